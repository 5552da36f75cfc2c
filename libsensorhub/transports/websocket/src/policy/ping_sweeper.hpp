// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>

namespace sensorhub::ws_detail {

// One WebSocket's keepalive bookkeeping: when the client was last heard
// from and whether a ping is unanswered. Owned by the connection.
struct ping_state {
  using clock = std::chrono::steady_clock;

  clock::time_point last_rx{};
  bool outstanding = false;

  // Any frame from the client (message, ping, pong).
  void heard(clock::time_point now) noexcept { last_rx = now; }
  // A pong: heard, and the ping is answered.
  void answered(clock::time_point now) noexcept {
    last_rx = now;
    outstanding = false;
  }
};

// The ping schedule (websocket_options::ping_interval): every `period` the
// transport sweeps its connections and pings each open one that has been
// silent for `interval` and has no ping outstanding (the pong timeout is
// websocketpp's). interval <= 0: never ping. Pure and stateless beyond
// its settings; any thread.
class ping_sweeper {
 public:
  using clock = ping_state::clock;
  static constexpr std::chrono::milliseconds period{250};

  explicit ping_sweeper(std::chrono::milliseconds interval) noexcept : interval_(interval) {}

  // True when this connection should be pinged now.
  bool due(const ping_state& s, clock::time_point now) const noexcept {
    return interval_.count() > 0 && !s.outstanding && now - s.last_rx >= interval_;
  }

 private:
  std::chrono::milliseconds interval_;
};

}  // namespace sensorhub::ws_detail

// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <string>

#include "sensorhub/event_bus.hpp"
#include "sensorhub/logger.hpp"
#include "sensorhub/repository.hpp"
#include "sensorhub/stats.hpp"

namespace sensorhub {

// What the hub hands a transport when it starts. References stay valid
// until the transport's stop() has returned.
struct transport_context {
  event_bus* bus = nullptr;
  repository* repo = nullptr;        // history for resume
  std::function<hub_stats()> stats;  // the /ws/stats numbers; in memory, never blocks
  std::function<void(std::function<void()>)> run_blocking;  // worker pool for SQLite work
  std::string server;                                       // "sensorhubd/<version>"
  log_sink log;  // the hub's logger (hub_options::logger); may be empty
};

// A way for clients to receive events (WebSocket, loopback, yours).
// start() is called once, before any event is published by the hub; stop()
// is idempotent, closes every session ("going away") and returns once no
// session will touch the context again. Neither may throw after start
// succeeded; start throws sensorhub::error on setup failure.
class transport {
 public:
  virtual ~transport() = default;
  virtual void start(const transport_context& ctx) = 0;
  virtual void stop() noexcept = 0;
};

}  // namespace sensorhub

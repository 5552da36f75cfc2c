// SPDX-License-Identifier: MIT
#pragma once

// The part of a subscription that does not depend on how frames travel:
// what the next connection asks for (since, snapshot), what a received frame
// means (duplicates dropped by seq, resume_failed handled by the policy), the
// callbacks and the next_event() queue, and the state other threads read.
// basic_session (websocketpp, plain or TLS) drives it from its network
// thread; the members marked "network thread" need no lock for that reason.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "event_queue.hpp"
#include "seq_tracker.hpp"
#include "session.hpp"
#include "url.hpp"

namespace sensorhub::client::detail {

class session_core : public session {
 public:
  std::optional<event> next_event(std::chrono::milliseconds timeout) final;
  connection_state state() const final;
  std::optional<std::int64_t> last_seq() const final;
  std::optional<client_error> stop_error() const final;

 protected:
  // Checks the options (std::invalid_argument).
  explicit session_core(client_options o);

  // What the connection should do after a frame.
  enum class verdict {
    keep,    // carry on
    stop,    // resume_failed under policy stop: shut down with that error
    resync,  // resume_failed under resync_snapshot: drop this connection, reconnect at once
  };

  // Network thread. The query of the next connection attempt (since = last
  // seen seq, or a snapshot after resume_failed); reports connecting or
  // resuming.
  subscribe_query begin_attempt();
  // Network thread. The attempt is open: reports open or resumed.
  void attempt_opened();
  // Network thread. One text frame.
  verdict on_text(std::string payload);

  // Safe from any thread.
  void set_state(connection_state s);
  void report(const client_error& e) const;
  // The first call records `why` and returns true; later calls return false.
  bool mark_shut_down(std::optional<client_error> why);
  // After mark_shut_down: stopped is reported, then next_event() wakes up.
  void finish_shut_down();

  bool connected_once() const noexcept { return connected_once_; }

  const client_options opts_;
  event_queue queue_;
  std::atomic<bool> stop_requested_{false};

 private:
  verdict on_resume_failed(const event& ev);
  void deliver(const event& ev);
  void publish_seq();

  // Network thread.
  seq_tracker seq_;
  std::optional<std::int64_t> baseline_;  // stats' last_seq before the first event
  bool connected_once_ = false;
  bool resuming_ = false;
  bool resync_pending_ = false;
  bool discarding_ = false;  // after resume_failed, until the snapshot connection

  mutable std::mutex mu_;
  bool shut_down_ = false;
  bool state_reported_ = false;  // the first state (connecting) is reported too
  connection_state state_ = connection_state::connecting;
  std::optional<std::int64_t> last_seq_;
  std::optional<client_error> stop_error_;
};

}  // namespace sensorhub::client::detail

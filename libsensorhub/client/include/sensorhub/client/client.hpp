// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "sensorhub/client/client_options.hpp"
#include "sensorhub/client/connection_state.hpp"
#include "sensorhub/client/event.hpp"

namespace sensorhub::client {

// A WebSocket subscriber of sensorhubd (SPEC §3, §5, §6, §11) that stays
// subscribed: it reconnects after a drop, a daemon restart or a dead peer
// (capped exponential backoff with full jitter) and resumes with
// since = the last seq it delivered, so no persisted event is lost and none
// is delivered twice (events with a seq at or below the last delivered one
// are dropped). `resume_failed` is reported and handled per
// client_options::on_resume_failed.
//
// Events reach the caller through callbacks and, when
// client_options::queue_capacity > 0, through next_event().
//
// Thread-safety: set the callbacks before start(); they are not to be changed
// afterwards. All callbacks run on the client's one network thread, one at a
// time, in arrival order; a callback must not call stop() or the destructor
// (it may call request_stop()). A callback that throws is reported to
// on_error (error_kind::callback) and the client goes on. start(), stop(),
// request_stop(), next_event(), state() and last_seq() may be called from any
// thread; next_event() from one consumer thread at a time. Callbacks may run
// until stop() (or the destructor) returns: what they use must outlive it.
class client {
 public:
  // Checks the options (throws std::invalid_argument for a bad URL, no
  // channel, a backoff with initial > max, or a tls_ca_file that cannot be
  // loaded). Does not connect.
  explicit client(client_options options);
  ~client();  // stop()
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void on_entity_event(std::function<void(const event&)> cb);
  void on_system_event(std::function<void(const event&)> cb);
  void on_test_event(std::function<void(const event&)> cb);
  void on_snapshot(std::function<void(const event&)> cb);
  void on_resume_failed(std::function<void(const event&)> cb);
  void on_state(std::function<void(connection_state)> cb);
  void on_error(std::function<void(const client_error&)> cb);

  // Starts the network thread and the first connection attempt. Once.
  void start();
  // Closes the connection (code 1000), stops the thread and waits for it.
  // Idempotent. After it, next_event() drains the queue, then returns nullopt.
  void stop();
  // Asks for stop without waiting (safe from a callback or a signal-free thread).
  void request_stop();

  // The next queued event, waiting up to `timeout`; nullopt on timeout or when
  // the client has stopped and the queue is empty. Throws std::logic_error
  // when queue_capacity is 0.
  std::optional<event> next_event(std::chrono::milliseconds timeout);

  connection_state state() const;
  // Highest seq delivered (or the snapshot's seq); nullopt before any.
  std::optional<std::int64_t> last_seq() const;
  // The error that stopped the client, if it stopped by itself.
  std::optional<client_error> stop_error() const;

 private:
  class impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sensorhub::client

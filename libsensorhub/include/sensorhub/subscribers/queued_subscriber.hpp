#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include "sensorhub/subscriber.hpp"

namespace sensorhub {

// Base class that takes the easy-to-get-wrong parts off a transport session:
// the hand-off from the publishing thread to the session's own thread, the
// queue, and backlog accounting with a slow-consumer limit.
//
// on_event (final) only enqueues: it never blocks on I/O. When the queue
// goes from empty to non-empty it calls wake() so that the session schedules
// drain() on its own thread. When the backlog (queued bytes plus what the
// transport reports through set_transport_backlog) passes the limit, the
// queue is cleared and on_overflow() is called exactly once; no further
// events are queued after that.
//
// Thread-safety: on_event, drain, set_transport_backlog and backlog_bytes may
// be called from any thread. wake() and on_overflow() are called on the
// publishing thread, with no lock held; they must not block.
class queued_subscriber : public subscriber {
 public:
  explicit queued_subscriber(std::size_t backlog_limit_bytes);

  void on_event(const event& e) final;

  // Bytes queued here plus bytes the transport reported as still buffered.
  std::size_t backlog_bytes() const noexcept;
  bool overflowed() const noexcept { return overflowed_.load(); }

 protected:
  // Pops every queued event and passes each to `send`, in order; returns how
  // many. Call from the session's own thread after wake().
  std::size_t drain(const std::function<void(const event&)>& send);

  // Lets the transport add its own unsent bytes (e.g. a socket's send buffer).
  void set_transport_backlog(std::size_t bytes) noexcept { transport_backlog_.store(bytes); }

  // Stops queueing (e.g. the session closed): later events are dropped.
  void close_queue();

  virtual void wake() = 0;
  virtual void on_overflow() = 0;

 private:
  const std::size_t limit_;
  mutable std::mutex mutex_;
  std::vector<event> queue_;  // a vector: an idle subscriber holds no block
  std::size_t queued_bytes_ = 0;
  bool closed_ = false;
  std::atomic<std::size_t> transport_backlog_{0};
  std::atomic<bool> overflowed_{false};
};

}  // namespace sensorhub

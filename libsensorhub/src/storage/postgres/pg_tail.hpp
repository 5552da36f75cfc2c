// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/event.hpp"
#include "sensorhub/logger.hpp"

namespace sensorhub::detail {

// The channel writers NOTIFY after inserting events (the wake-up only: the
// events table is the truth).
inline constexpr const char pg_notify_channel[] = "sensorhub_events";

// Tails the outbox of one database on a thread and connection of its own:
// reads the events with seq > the last one it published, in seq order, and
// hands each batch to `deliver`: every node's events, each once, in order.
// It polls on every NOTIFY, every `poll_interval`, and right after
// (re)connecting, so a lost notification or a database restart delays an
// event but never loses or reorders one. Starts from `start_seq` (the
// events committed before are history: resume reads them).
class pg_tail {
 public:
  using deliver_fn = std::function<void(std::vector<event>&&)>;

  pg_tail(std::string uri, std::uint64_t start_seq, std::chrono::milliseconds poll_interval,
          std::chrono::milliseconds max_backoff, deliver_fn deliver, log_sink log);
  ~pg_tail();
  pg_tail(const pg_tail&) = delete;
  pg_tail& operator=(const pg_tail&) = delete;

  // The last seq handed to `deliver`.
  std::uint64_t published() const noexcept { return published_.load(); }
  // Waits until published() >= seq or `timeout` passed; true if reached.
  bool wait_published(std::uint64_t seq, std::chrono::milliseconds timeout);
  // Connected, and the last poll succeeded within a few poll intervals.
  bool healthy() const noexcept;

 private:
  void loop();
  void run_connected();

  const std::string uri_;
  const std::chrono::milliseconds poll_interval_;
  const std::chrono::milliseconds max_backoff_;
  const deliver_fn deliver_;
  const log_sink log_;

  std::atomic<std::uint64_t> published_;
  std::atomic<std::int64_t> last_ok_ns_{0};  // steady_clock of the last good poll
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopping_{false};
  std::mutex m_;
  std::condition_variable published_cv_;  // published_ advanced
  std::condition_variable stop_cv_;       // backoff sleeps end early on stop
  std::thread thread_;                    // last: starts once the members above exist
};

}  // namespace sensorhub::detail

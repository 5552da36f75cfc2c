// SPDX-License-Identifier: MIT
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "sensorhub/event.hpp"
#include "sensorhub/event_bus.hpp"
#include "sensorhub/logger.hpp"

namespace sensorhub::detail {

// Publishes committed events on a thread of its own, in the order they were
// handed over (commit order: the commit hook runs under the write lock), so
// that a writer returns as soon as its commit is durable instead of after the
// fan-out. Every group committed while a publish runs goes out in the next
// one: one publish, one wake-up per subscriber, for many events.
// enqueue() and flush() from any thread; stop() drains, then joins.
class publish_thread {
 public:
  publish_thread(std::shared_ptr<event_bus> bus, log_sink log);
  ~publish_thread();
  publish_thread(const publish_thread&) = delete;
  publish_thread& operator=(const publish_thread&) = delete;

  void enqueue(const std::vector<event>& events);
  // Returns once everything enqueued before the call was published.
  void flush();
  void stop() noexcept;

 private:
  void loop();

  const std::shared_ptr<event_bus> bus_;
  const log_sink log_;
  std::mutex m_;
  std::condition_variable work_cv_;
  std::condition_variable done_cv_;
  std::vector<event> queue_;
  std::uint64_t enqueued_ = 0;   // batches handed over
  std::uint64_t published_ = 0;  // batches published
  bool stopping_ = false;
  bool exited_ = false;  // the loop ended: flush() returns at once
  std::thread thread_;   // last: starts once the members above exist
};

}  // namespace sensorhub::detail

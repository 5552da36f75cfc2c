// SPDX-License-Identifier: MIT
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "sensorhub/logger.hpp"

namespace sensorhub::detail {

// The hub's fixed pool of threads for blocking (SQLite) work. Jobs run in
// any order, several at a time; a job's exception is logged (error).
// stop() runs what is queued, then joins; after it, run() executes inline on
// the caller. Thread-safe.
class worker_pool {
 public:
  worker_pool(std::size_t n, log_sink log);
  ~worker_pool();
  worker_pool(const worker_pool&) = delete;
  worker_pool& operator=(const worker_pool&) = delete;

  void run(std::function<void()> fn);
  void stop() noexcept;

 private:
  void invoke(const std::function<void()>& fn) noexcept;
  void loop();

  const log_sink log_;
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> q_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "sensorhub/logger.hpp"

namespace sensorhub::detail {

// Runs a retention pass every `interval` on a thread of its own until
// stop() (first pass right away). A failed pass is logged (warn); the next
// pass tries again. stop() waits for a pass in progress.
class prune_thread {
 public:
  prune_thread(std::function<void()> pass, std::chrono::milliseconds interval, log_sink log);
  ~prune_thread();
  prune_thread(const prune_thread&) = delete;
  prune_thread& operator=(const prune_thread&) = delete;

  void stop() noexcept;

 private:
  void loop();

  const std::function<void()> pass_;
  const std::chrono::milliseconds interval_;
  const log_sink log_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace sensorhub::detail

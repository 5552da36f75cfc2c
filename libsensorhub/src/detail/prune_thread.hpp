// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "sensorhub/logger.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub::detail {

// Applies a retention policy every `interval` on a thread of its own until
// stop() (first pass right away). A failed pass is logged (warn); the next
// pass tries again. stop() waits for a pass in progress.
class prune_thread {
 public:
  prune_thread(repository& repo, retention_policy policy, std::chrono::milliseconds interval,
               log_sink log);
  ~prune_thread();
  prune_thread(const prune_thread&) = delete;
  prune_thread& operator=(const prune_thread&) = delete;

  void stop() noexcept;

 private:
  void loop();

  repository& repo_;
  const retention_policy policy_;
  const std::chrono::milliseconds interval_;
  const log_sink log_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

}  // namespace sensorhub::detail

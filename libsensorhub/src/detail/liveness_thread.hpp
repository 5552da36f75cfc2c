// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "sensorhub/liveness.hpp"
#include "sensorhub/logger.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub::detail {

// The liveness checker (SPEC §13): on a thread of its own, every
// policy.check_interval() (first pass right away), compares each sensor's
// newest reading with its staleness bound and commits a `sensor_stale` or
// `sensor_fresh` system event together with the new stored flag, so each
// transition is reported once, across restarts. A failed pass is logged
// (warn) and retried on the next. stop() waits for a pass in progress.
class liveness_thread {
 public:
  // `stale` receives the number of stale sensors after each pass; it must
  // outlive this object.
  liveness_thread(repository& repo, staleness_policy policy, log_sink log,
                  std::atomic<std::uint64_t>& stale, std::string node = {});
  ~liveness_thread();
  liveness_thread(const liveness_thread&) = delete;
  liveness_thread& operator=(const liveness_thread&) = delete;

  void stop() noexcept;

 private:
  void loop();
  void pass();

  repository& repo_;
  const staleness_policy policy_;
  const log_sink log_;
  const std::string node_;  // data.node of the events (SPEC §12), or none
  std::atomic<std::uint64_t>& stale_;
  std::mutex m_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;  // last: starts once the members above exist
};

// The `data` of sensor_stale / sensor_fresh: sensor_id, tipo, last_reading_at.
std::string liveness_data_json(const liveness_row& row, const std::string& node = {});

}  // namespace sensorhub::detail

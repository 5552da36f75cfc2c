#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "sensorhub/stats.hpp"

namespace sensorhubd {

// Counters of the daemon itself, rendered with the hub's stats as the
// Prometheus text format (version 0.0.4) behind GET /metrics.
// Thread-safe: record_* may be called from any thread.
class metrics {
 public:
  // One HTTP answer; `route` is the route pattern (never the raw path).
  void record_request(const std::string& route, int status);
  // Duration of one committed (or failed) write, in seconds.
  void record_write_latency(double seconds);

  std::string render(const sensorhub::hub_stats& stats) const;

  static constexpr std::array<double, 12> latency_buckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                          0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

 private:
  mutable std::mutex m_;
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  std::array<std::uint64_t, latency_buckets.size()> bucket_counts_{};
  std::uint64_t latency_count_ = 0;
  double latency_sum_ = 0.0;
};

}  // namespace sensorhubd

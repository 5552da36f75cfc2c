// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "sensorhub/latency_histogram.hpp"
#include "sensorhub/stats.hpp"

namespace sensorhubd {

// Counters of the daemon itself, rendered with the hub's stats as the
// Prometheus text format (version 0.0.4) behind GET /metrics.
// Thread-safe: record_* may be called from any thread.
class metrics {
 public:
  // One HTTP answer; `route` is the route pattern (never the raw path).
  void record_request(const std::string& route, int status);
  // Duration of one write, from the request accepted to its commit reported
  // (or its failure), in seconds. Lock-free.
  void record_write_latency(double seconds) noexcept { write_latency_.observe_seconds(seconds); }

  // The hub's stats, the daemon's counters, sensorhub_build_info and (when
  // with_process) the process_* metrics of this process.
  std::string render(const sensorhub::hub_stats& stats, bool with_process = true) const;

 private:
  mutable std::mutex m_;  // requests_ only
  std::map<std::pair<std::string, int>, std::uint64_t> requests_;
  sensorhub::latency_histogram write_latency_;
};

// One histogram in the text format: # HELP, # TYPE, cumulative _bucket
// lines (le="..." then le="+Inf"), _sum and _count.
std::string render_histogram(const std::string& name, const std::string& help,
                             const sensorhub::latency_snapshot& h);

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sensorhubd {

// What /proc says about this process (Linux); a field is empty when it
// could not be read.
struct process_sample {
  std::optional<std::uint64_t> open_fds;        // entries of /proc/self/fd
  std::optional<std::uint64_t> max_fds;         // RLIMIT_NOFILE soft limit
  std::optional<std::uint64_t> resident_bytes;  // /proc/self/statm resident pages * page size
  std::optional<double> start_time_seconds;     // Unix time the process started
  std::optional<double> cpu_seconds;            // user + system CPU time
};

process_sample sample_process();

// The standard process_* metrics of the Prometheus text format, with # HELP
// and # TYPE; what could not be read is left out.
std::string render_process_metrics(const process_sample& s);

}  // namespace sensorhubd

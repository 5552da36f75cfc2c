// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include <sys/types.h>

#include "driver/report.hpp"

namespace bench {

// CPU seconds (utime + stime) and resident set of a process from
// /proc/PID/stat and /proc/PID/status; ok is false when it is gone.
struct process_sample {
  bool ok = false;
  double cpu_s = 0;
  std::int64_t rss_kb = 0;
};
process_sample sample_process(pid_t pid);

// The CPU of the load generator (getrusage) and of the server (when its
// pid is known) over one measured window, to show who was the bottleneck.
// Thread-safety: one owner thread.
class cpu_probe {
 public:
  explicit cpu_probe(pid_t server_pid) : server_pid_(server_pid) {}
  void start();
  void stop();
  double server_cpu_s() const { return server_end_.cpu_s - server_start_.cpu_s; }
  bool server_known() const { return server_pid_ > 0 && server_start_.ok && server_end_.ok; }
  // Writes "load_generator": {"cpu_s","wall_s","cores"} and, with a server
  // pid, "server_cpu_s" and "server": {"pid","cpu_s","cores","rss_kb"}.
  void write(json_writer& w) const;

 private:
  pid_t server_pid_;
  std::int64_t start_ns_ = 0, end_ns_ = 0;
  double self_start_ = 0, self_end_ = 0;
  process_sample server_start_, server_end_;
};

}  // namespace bench

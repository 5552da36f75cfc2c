// SPDX-License-Identifier: MIT
#include "driver/cpu_probe.hpp"

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <unistd.h>

#include "driver/clock.hpp"

namespace bench {

process_sample sample_process(pid_t pid) {
  process_sample s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return s;
  // Fields after the command name "(...)": state is field 3; utime 14, stime 15.
  const auto close = line.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(line.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int f = 3; f <= 15 && rest >> field; ++f) {
    if (f == 14) utime = std::stoull(field);
    if (f == 15) stime = std::stoull(field);
  }
  const double tick = static_cast<double>(::sysconf(_SC_CLK_TCK));
  s.cpu_s = static_cast<double>(utime + stime) / tick;
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  while (std::getline(status, line)) {
    if (line.compare(0, 6, "VmRSS:") == 0) {
      s.rss_kb = std::stoll(line.substr(6));
      break;
    }
  }
  s.ok = true;
  return s;
}

void cpu_probe::start() {
  start_ns_ = now_ns();
  self_start_ = process_cpu_seconds();
  if (server_pid_ > 0) server_start_ = sample_process(server_pid_);
}

void cpu_probe::stop() {
  end_ns_ = now_ns();
  self_end_ = process_cpu_seconds();
  if (server_pid_ > 0) server_end_ = sample_process(server_pid_);
}

void cpu_probe::write(json_writer& w) const {
  const double wall = static_cast<double>(end_ns_ - start_ns_) / 1e9;
  const double self = self_end_ - self_start_;
  w.Key("load_generator");
  w.StartObject();
  w.Key("cpu_s");
  w.Double(self);
  w.Key("wall_s");
  w.Double(wall);
  w.Key("cores");
  w.Double(wall > 0 ? self / wall : 0);
  w.EndObject();
  if (!server_known()) return;
  w.Key("server_cpu_s");  // flat copy for scripts
  w.Double(server_cpu_s());
  w.Key("server");
  w.StartObject();
  w.Key("pid");
  w.Int(static_cast<int>(server_pid_));
  w.Key("cpu_s");
  w.Double(server_cpu_s());
  w.Key("cores");
  w.Double(wall > 0 ? server_cpu_s() / wall : 0);
  w.Key("rss_kb");
  w.Int64(server_end_.rss_kb);
  w.EndObject();
}

}  // namespace bench

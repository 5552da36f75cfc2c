// SPDX-License-Identifier: MIT
#include "obs/process_metrics.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

namespace sensorhubd {

namespace {

std::optional<std::uint64_t> count_open_fds() {
  DIR* d = ::opendir("/proc/self/fd");
  if (d == nullptr) return std::nullopt;
  std::uint64_t n = 0;
  while (const dirent* e = ::readdir(d)) {
    if (e->d_name[0] != '.') ++n;
  }
  ::closedir(d);
  return n > 0 ? n - 1 : 0;  // not the descriptor of the listing itself
}

std::optional<std::uint64_t> max_open_fds() {
  rlimit rl{};
  if (::getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return std::nullopt;
  return static_cast<std::uint64_t>(rl.rlim_cur);
}

std::optional<std::uint64_t> resident_bytes() {
  std::ifstream in("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(in >> size >> resident)) return std::nullopt;
  const long page = ::sysconf(_SC_PAGESIZE);
  if (page <= 0) return std::nullopt;
  return resident * static_cast<std::uint64_t>(page);
}

std::optional<std::uint64_t> boot_time() {
  std::ifstream in("/proc/stat");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("btime ", 0) == 0) return std::stoull(line.substr(6));
  }
  return std::nullopt;
}

// Fields 14, 15 (utime, stime) and 22 (starttime) of /proc/self/stat, in
// clock ticks. The command name (field 2) may hold spaces: parse after ')'.
void read_stat(process_sample& s) {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  double utime = 0, stime = 0, start = 0;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
    if (i == 22) start = std::stod(field);
  }
  const long ticks = ::sysconf(_SC_CLK_TCK);
  if (ticks <= 0 || !rest) return;
  s.cpu_seconds = (utime + stime) / static_cast<double>(ticks);
  if (const auto btime = boot_time()) {
    s.start_time_seconds = static_cast<double>(*btime) + start / static_cast<double>(ticks);
  }
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

process_sample sample_process() {
  process_sample s;
  try {
    s.open_fds = count_open_fds();
    s.max_fds = max_open_fds();
    s.resident_bytes = resident_bytes();
    read_stat(s);
  } catch (...) {  // an unexpected /proc format: report what was read
  }
  return s;
}

std::string render_process_metrics(const process_sample& s) {
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help,
                       const std::string& value) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + value + "\n";
  };
  if (s.cpu_seconds) {
    metric("process_cpu_seconds_total", "counter",
           "Total user and system CPU time spent in seconds.", number(*s.cpu_seconds));
  }
  if (s.open_fds) {
    metric("process_open_fds", "gauge", "Number of open file descriptors.",
           std::to_string(*s.open_fds));
  }
  if (s.max_fds) {
    metric("process_max_fds", "gauge", "Maximum number of open file descriptors.",
           std::to_string(*s.max_fds));
  }
  if (s.resident_bytes) {
    metric("process_resident_memory_bytes", "gauge", "Resident memory size in bytes.",
           std::to_string(*s.resident_bytes));
  }
  if (s.start_time_seconds) {
    metric("process_start_time_seconds", "gauge",
           "Start time of the process since unix epoch in seconds.", number(*s.start_time_seconds));
  }
  return out;
}

}  // namespace sensorhubd

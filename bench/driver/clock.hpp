// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>

#include <sys/resource.h>

namespace bench {

// Monotonic nanoseconds; every timestamp of the bench uses this clock so
// stamps taken on different threads can be subtracted.
inline std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// CPU seconds (user + system) used by this process so far.
inline double process_cpu_seconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

}  // namespace bench

// SPDX-License-Identifier: MIT
#pragma once

// What a process costs, read from /proc: its resident memory and its open
// descriptors. Used by the hostile-client tests and the soak driver.

#include <sys/types.h>

#include <cstddef>

namespace sensorhub::testing {

// VmRSS of a process in KiB; 0 when it cannot be read (the process is gone).
std::size_t vm_rss_kib(pid_t pid);
// Open descriptors of a process; -1 when they cannot be listed.
long open_fd_count(pid_t pid);

// Whether RSS bounds mean anything in this build: AddressSanitizer keeps
// freed memory in quarantine and both sanitizers add shadow memory, so a
// daemon built with them grows by design. Tests print the figures always
// and check their bounds only without sanitizers (the release stage of the
// test command).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool rss_bounds_checked = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
inline constexpr bool rss_bounds_checked = false;
#else
inline constexpr bool rss_bounds_checked = true;
#endif
#else
inline constexpr bool rss_bounds_checked = true;
#endif

}  // namespace sensorhub::testing

// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>

namespace sensorhub::detail {

inline std::int64_t steady_now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// steady_clock nanoseconds of the publish call running on this thread (0:
// none). local_event_bus reads the clock once per publish call and sets it;
// queued_subscriber copies it into each event it queues (event::queued_ns),
// so that the fan-out pays no clock read per subscriber or event.
inline thread_local std::int64_t publish_stamp_ns = 0;

}  // namespace sensorhub::detail

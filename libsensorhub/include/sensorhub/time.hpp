// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace sensorhub {

// Microsecond-precision UTC wall-clock time, the resolution the wire uses.
using timestamp = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

// The current time, truncated to microseconds.
timestamp now() noexcept;

// RFC 3339 UTC with microseconds and "+00:00": 2025-07-20T05:34:11.378577+00:00
std::string format_time(timestamp t);

// Parses RFC 3339 with any offset or "Z" (fraction optional, up to 9 digits,
// truncated to microseconds) and normalizes to UTC. nullopt on anything else,
// including out-of-range fields (month 13, second 61, year < 1 or > 9999).
std::optional<timestamp> parse_time(std::string_view text) noexcept;

// Microseconds since the Unix epoch; the form stored in SQLite.
inline long long to_micros(timestamp t) noexcept { return t.time_since_epoch().count(); }
inline timestamp from_micros(long long us) noexcept {
  return timestamp{std::chrono::microseconds{us}};
}

}  // namespace sensorhub

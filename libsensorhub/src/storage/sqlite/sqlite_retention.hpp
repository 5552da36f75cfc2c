// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>

#include "storage/sqlite/sqlite_connection.hpp"

// Retention of readings with hourly rollups (SPEC §13), one bounded step at a
// time on the writer connection. The caller holds the write lock per step.
namespace sensorhub::detail {

inline constexpr std::int64_t micros_per_hour = 3'600'000'000LL;

// floor(us / 1 h) * 1 h, also right before 1970.
inline std::int64_t floor_hour(std::int64_t us) noexcept {
  return us - (((us % micros_per_hour) + micros_per_hour) % micros_per_hour);
}

struct fold_step {
  std::uint64_t readings = 0;  // raw readings folded and deleted
  std::uint64_t hours = 0;     // rollup rows written or merged
};

// In one IMMEDIATE transaction: folds the readings of the oldest whole hours
// before `cutoff` (a multiple of 1 h) into lecturas_hourly, about `batch`
// readings and at least one whole hour, and deletes them. Returns zeros
// when no reading before `cutoff` is left.
fold_step sqlite_fold_step(sqlite_connection& c, std::int64_t cutoff, std::size_t batch);

// In one IMMEDIATE transaction: deletes at most `batch` rollup rows whose
// hour ends at or before `cutoff`. Returns how many went.
std::uint64_t sqlite_prune_rollups_step(sqlite_connection& c, std::int64_t cutoff,
                                        std::size_t batch);

}  // namespace sensorhub::detail

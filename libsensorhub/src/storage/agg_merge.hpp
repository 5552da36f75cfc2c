// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "sensorhub/model.hpp"

// Merging raw-reading buckets and hourly rollups into aggregate buckets
// (SPEC §13), the same for every storage engine: a reading is either raw or
// folded into a rollup, never both, so the two sum without overlap.
namespace sensorhub::detail {

inline constexpr std::int64_t micros_per_hour = 3'600'000'000LL;

// A bucket being merged from raw readings and rollups.
struct agg_acc {
  agg_bucket b;
  double sum = 0;
  std::int64_t first_ts = 0, last_ts = 0;
  bool rolled = false;  // has rollups: avg is sum / count
};

// Adds `x` (raw or rollup) to the bucket `into` (empty: count 0).
void merge_agg(agg_acc& into, const agg_acc& x);

// The merged buckets, ascending start; avg is sum / count where rollups
// counted, else the engine's own average of the raw readings.
std::vector<agg_bucket> finish_agg(std::map<std::int64_t, agg_acc>& buckets);

}  // namespace sensorhub::detail

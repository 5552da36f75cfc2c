// SPDX-License-Identifier: MIT
#include "sensorhub/latency_histogram.hpp"

namespace sensorhub {

namespace {

// The bounds in nanoseconds, so that an observation is compared as integers.
constexpr std::array<std::int64_t, latency_bucket_bounds.size()> bounds_ns() {
  std::array<std::int64_t, latency_bucket_bounds.size()> out{};
  for (std::size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<std::int64_t>(latency_bucket_bounds[i] * 1e9 + 0.5);
  }
  return out;
}
constexpr auto bound_ns = bounds_ns();

}  // namespace

std::size_t latency_histogram::bucket_of(std::int64_t ns) noexcept {
  std::size_t i = 0;
  while (i < bound_ns.size() && ns > bound_ns[i]) ++i;
  return i;
}

void latency_batch::add_ns(std::int64_t ns) noexcept {
  if (ns < 0) ns = 0;
  ++counts[latency_histogram::bucket_of(ns)];
  ++count;
  sum_ns += static_cast<std::uint64_t>(ns);
}

void latency_histogram::observe_ns(std::int64_t ns) noexcept {
  if (ns < 0) ns = 0;
  counts_[bucket_of(ns)].fetch_add(1, std::memory_order_relaxed);
  sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void latency_histogram::observe_seconds(double seconds) noexcept {
  if (!(seconds > 0)) seconds = 0;  // also NaN
  if (seconds > 1e9) seconds = 1e9;
  observe_ns(static_cast<std::int64_t>(seconds * 1e9 + 0.5));
}

void latency_histogram::add(const latency_batch& b) noexcept {
  if (b.count == 0) return;
  for (std::size_t i = 0; i < b.counts.size(); ++i) {
    if (b.counts[i] != 0) counts_[i].fetch_add(b.counts[i], std::memory_order_relaxed);
  }
  sum_ns_.fetch_add(b.sum_ns, std::memory_order_relaxed);
  count_.fetch_add(b.count, std::memory_order_relaxed);
}

latency_snapshot latency_histogram::snapshot() const noexcept {
  // Buckets are read first and count is derived from them, so a scrape
  // racing an observation is still self-consistent (+Inf == count).
  latency_snapshot s;
  for (std::size_t i = 0; i < s.counts.size(); ++i) {
    s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.count += s.counts[i];
  }
  s.inf_count = counts_.back().load(std::memory_order_relaxed);
  s.count += s.inf_count;
  s.sum_seconds = static_cast<double>(sum_ns_.load(std::memory_order_relaxed)) / 1e9;
  return s;
}

}  // namespace sensorhub

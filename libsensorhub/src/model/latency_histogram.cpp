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

latency_histogram::shard& latency_histogram::mine() noexcept {
  static std::atomic<std::size_t> next{0};
  thread_local const std::size_t index = next.fetch_add(1, std::memory_order_relaxed);
  return shards_[index % shard_count];
}

void latency_histogram::observe_ns(std::int64_t ns) noexcept {
  if (ns < 0) ns = 0;
  shard& sh = mine();
  sh.counts[bucket_of(ns)].fetch_add(1, std::memory_order_relaxed);
  sh.sum_ns.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

void latency_histogram::observe_seconds(double seconds) noexcept {
  if (!(seconds > 0)) seconds = 0;  // also NaN
  if (seconds > 1e9) seconds = 1e9;
  observe_ns(static_cast<std::int64_t>(seconds * 1e9 + 0.5));
}

void latency_histogram::add(const latency_batch& b) noexcept {
  if (b.count == 0) return;
  shard& sh = mine();
  for (std::size_t i = 0; i < b.counts.size(); ++i) {
    if (b.counts[i] != 0) sh.counts[i].fetch_add(b.counts[i], std::memory_order_relaxed);
  }
  sh.sum_ns.fetch_add(b.sum_ns, std::memory_order_relaxed);
}

latency_snapshot latency_histogram::snapshot() const noexcept {
  // Buckets are read first and count is derived from them, so a scrape
  // racing an observation is still self-consistent (+Inf == count).
  latency_snapshot s;
  std::uint64_t sum_ns = 0;
  for (const shard& sh : shards_) {
    for (std::size_t i = 0; i < s.counts.size(); ++i) {
      s.counts[i] += sh.counts[i].load(std::memory_order_relaxed);
    }
    s.inf_count += sh.counts.back().load(std::memory_order_relaxed);
    sum_ns += sh.sum_ns.load(std::memory_order_relaxed);
  }
  for (std::uint64_t c : s.counts) s.count += c;
  s.count += s.inf_count;
  s.sum_seconds = static_cast<double>(sum_ns) / 1e9;
  return s;
}

}  // namespace sensorhub

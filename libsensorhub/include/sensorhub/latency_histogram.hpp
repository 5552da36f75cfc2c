// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace sensorhub {

// Upper bounds (seconds) of the latency buckets, 0.5 ms to 10 s; above the
// last one only the implicit +Inf bucket counts.
inline constexpr std::array<double, 14> latency_bucket_bounds{
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0};

// A copy of a latency_histogram. counts[i] is the number of observations in
// bucket i alone (not cumulative); inf_count those above the last bound.
struct latency_snapshot {
  std::array<std::uint64_t, latency_bucket_bounds.size()> counts{};
  std::uint64_t inf_count = 0;
  std::uint64_t count = 0;
  double sum_seconds = 0.0;
};

// Observations added on the stack before one flush into a latency_histogram
// (a batch costs one atomic add per touched bucket, not per observation).
struct latency_batch {
  std::array<std::uint32_t, latency_bucket_bounds.size() + 1> counts{};  // last: +Inf
  std::uint64_t count = 0;
  std::uint64_t sum_ns = 0;

  void add_ns(std::int64_t ns) noexcept;
};

// A fixed-bucket histogram of durations: lock-free (relaxed atomics),
// observe and snapshot may be called from any thread. Sharded: each thread
// adds to one of a few cache-line-aligned copies (threads are spread over
// them round-robin) and a snapshot sums them, so the network threads that
// record every delivery do not contend on the same cache lines.
class latency_histogram {
 public:
  void observe_seconds(double seconds) noexcept;
  void observe_ns(std::int64_t ns) noexcept;
  void add(const latency_batch& b) noexcept;
  latency_snapshot snapshot() const noexcept;

  // Index of the bucket for ns (latency_bucket_bounds.size(): +Inf).
  static std::size_t bucket_of(std::int64_t ns) noexcept;

 private:
  static constexpr std::size_t shard_count = 8;
  struct alignas(64) shard {
    std::array<std::atomic<std::uint64_t>, latency_bucket_bounds.size() + 1> counts{};
    std::atomic<std::uint64_t> sum_ns{0};
  };
  shard& mine() noexcept;

  std::array<shard, shard_count> shards_{};
};

}  // namespace sensorhub

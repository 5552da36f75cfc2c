// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <random>

namespace sensorhub::client::detail {

// Capped exponential backoff with full jitter: the n-th delay since the last
// reset() is uniform in [0, min(max, initial * 2^n)]. Not thread-safe.
class backoff {
 public:
  backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
          std::uint64_t seed = std::random_device{}());

  std::chrono::milliseconds next();
  // The cap of the next delay (without drawing it).
  std::chrono::milliseconds ceiling() const noexcept;
  void reset() noexcept { attempt_ = 0; }
  unsigned attempt() const noexcept { return attempt_; }

 private:
  std::chrono::milliseconds initial_;
  std::chrono::milliseconds max_;
  unsigned attempt_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace sensorhub::client::detail

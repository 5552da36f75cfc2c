// SPDX-License-Identifier: MIT
#include "backoff.hpp"

#include <algorithm>

namespace sensorhub::client::detail {

backoff::backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max,
                 std::uint64_t seed)
    : initial_(std::max(initial, std::chrono::milliseconds(1))),
      max_(std::max(max, initial_)),
      rng_(seed) {}

std::chrono::milliseconds backoff::ceiling() const noexcept {
  // Doubling stops once past max (no overflow however many attempts).
  std::chrono::milliseconds c = initial_;
  for (unsigned i = 0; i < attempt_ && c < max_; ++i) c *= 2;
  return std::min(c, max_);
}

std::chrono::milliseconds backoff::next() {
  const auto cap = ceiling();
  ++attempt_;
  std::uniform_int_distribution<std::int64_t> pick(0, cap.count());
  return std::chrono::milliseconds(pick(rng_));
}

}  // namespace sensorhub::client::detail

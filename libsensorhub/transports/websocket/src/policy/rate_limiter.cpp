// SPDX-License-Identifier: MIT
#include "sensorhub/transports/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace sensorhub {

double token_bucket::refilled(clock::time_point now) const noexcept {
  const double elapsed =
      now > updated_ ? std::chrono::duration<double>(now - updated_).count() : 0.0;
  return std::min(limit_.burst, tokens_ + elapsed * limit_.per_second);
}

token_bucket::clock::duration token_bucket::acquire(clock::time_point now) noexcept {
  if (limit_.unlimited()) return clock::duration::zero();
  tokens_ = refilled(now);
  if (now > updated_) updated_ = now;
  if (tokens_ >= 1.0) {
    tokens_ -= 1.0;
    return clock::duration::zero();
  }
  const double wait_s = (1.0 - tokens_) / limit_.per_second;
  const auto wait =
      std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(wait_s));
  return std::max(wait, clock::duration(1));
}

bool token_bucket::full(clock::time_point now) const noexcept {
  return limit_.unlimited() || refilled(now) >= limit_.burst;
}

rate_limiter::clock::duration rate_limiter::acquire(std::string_view key, clock::time_point now) {
  if (limit_.unlimited()) return clock::duration::zero();
  std::lock_guard<std::mutex> lk(m_);
  auto it = buckets_.find(std::string(key));
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_keys_) make_room(now);
    it = buckets_.emplace(std::string(key), entry{token_bucket(limit_, now), now}).first;
  }
  it->second.last_used = now;
  return it->second.bucket.acquire(now);
}

void rate_limiter::make_room(clock::time_point now) {
  for (auto it = buckets_.begin(); it != buckets_.end();) {
    it = it->second.bucket.full(now) ? buckets_.erase(it) : std::next(it);
  }
  if (buckets_.size() < max_keys_) return;
  auto oldest = std::min_element(
      buckets_.begin(), buckets_.end(),
      [](const auto& a, const auto& b) { return a.second.last_used < b.second.last_used; });
  if (oldest != buckets_.end()) buckets_.erase(oldest);
}

std::size_t rate_limiter::size() const {
  std::lock_guard<std::mutex> lk(m_);
  return buckets_.size();
}

long long retry_after_seconds(token_bucket::clock::duration wait) noexcept {
  const double s = std::chrono::duration<double>(wait).count();
  return std::max(1LL, static_cast<long long>(std::ceil(s)));
}

}  // namespace sensorhub

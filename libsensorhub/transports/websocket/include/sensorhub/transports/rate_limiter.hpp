// SPDX-License-Identifier: MIT
#pragma once
// Token buckets, part of sensorhub::transport_websocket (which limits client
// messages with them) and public so a front built on it (sensorhubd's REST
// write limits) uses the same ones. No websocketpp or Asio here.

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sensorhub {

// A token-bucket rate: `per_second` tokens are added continuously up to
// `burst`; each allowed action takes one. per_second <= 0 or burst <= 0
// means unlimited (a bucket that can never hold a token is no setting
// anyone means; the daemon documents 0 as "no limit" for both).
struct rate_limit {
  double per_second = 0;
  double burst = 1;

  bool unlimited() const noexcept { return per_second <= 0 || burst <= 0; }
};

// One token bucket. The caller passes the time, so tests need no clock.
// Not thread-safe: one owner (e.g. one connection on the network thread).
class token_bucket {
 public:
  using clock = std::chrono::steady_clock;

  token_bucket() = default;
  token_bucket(rate_limit limit, clock::time_point now) noexcept
      : limit_(limit), tokens_(limit.burst), updated_(now) {}

  // Takes one token if there is one: returns zero. Otherwise takes nothing
  // and returns how long until one token is available.
  clock::duration acquire(clock::time_point now) noexcept;
  // True when the bucket is full at `now` (an idle key that can be dropped).
  bool full(clock::time_point now) const noexcept;

 private:
  double refilled(clock::time_point now) const noexcept;

  rate_limit limit_{};
  double tokens_ = 0;
  clock::time_point updated_{};
};

// Token buckets by key ("token:NAME", "addr:127.0.0.1", ...), created full on
// first use. At most `max_keys` buckets are kept: beyond that, full (idle)
// buckets are dropped first, then the least recently used one. Thread-safe.
class rate_limiter {
 public:
  using clock = token_bucket::clock;

  explicit rate_limiter(rate_limit limit, std::size_t max_keys = 100000)
      : limit_(limit), max_keys_(max_keys == 0 ? 1 : max_keys) {}

  // Zero when allowed (one token taken), else the wait until the next token.
  clock::duration acquire(std::string_view key, clock::time_point now = clock::now());

  const rate_limit& limit() const noexcept { return limit_; }
  std::size_t size() const;

 private:
  struct entry {
    token_bucket bucket;
    clock::time_point last_used;
  };
  void make_room(clock::time_point now);

  const rate_limit limit_;
  const std::size_t max_keys_;
  mutable std::mutex m_;
  std::unordered_map<std::string, entry> buckets_;
};

// Whole seconds for a Retry-After header: the wait rounded up, at least 1.
long long retry_after_seconds(token_bucket::clock::duration wait) noexcept;

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
// Token buckets with an explicit clock: no sleeping, no timing assertions.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "sensorhub/transports/rate_limiter.hpp"

using namespace sensorhub;
using namespace std::chrono_literals;
using clk = token_bucket::clock;

TEST_CASE("token_bucket: burst, then refusal with the wait, then refill") {
  const auto t0 = clk::time_point{} + 1000s;
  token_bucket b({2.0, 3.0}, t0);
  CHECK(b.acquire(t0) == clk::duration::zero());
  CHECK(b.acquire(t0) == clk::duration::zero());
  CHECK(b.acquire(t0) == clk::duration::zero());
  const auto wait = b.acquire(t0);
  CHECK(wait > clk::duration::zero());
  CHECK(wait <= 500ms);  // 2 per second: one token every 500 ms
  CHECK(b.acquire(t0 + 499ms) > clk::duration::zero());
  CHECK(b.acquire(t0 + 500ms) == clk::duration::zero());
  CHECK(b.acquire(t0 + 500ms) > clk::duration::zero());
  // Refill never exceeds the burst.
  CHECK(b.full(t0 + 1h));
  const auto later = t0 + 1h;
  for (int i = 0; i < 3; ++i) CHECK(b.acquire(later) == clk::duration::zero());
  CHECK(b.acquire(later) > clk::duration::zero());
}

TEST_CASE("token_bucket: a clock going backwards neither refills nor breaks") {
  const auto t0 = clk::time_point{} + 1000s;
  token_bucket b({1.0, 1.0}, t0);
  CHECK(b.acquire(t0) == clk::duration::zero());
  CHECK(b.acquire(t0 - 10s) > clk::duration::zero());
  CHECK(b.acquire(t0 + 1s) == clk::duration::zero());
}

TEST_CASE("token_bucket: unlimited rate never refuses") {
  token_bucket b({0.0, 1.0}, clk::time_point{});
  for (int i = 0; i < 1000; ++i) CHECK(b.acquire(clk::time_point{}) == clk::duration::zero());
}

TEST_CASE("rate_limiter: keys are independent") {
  rate_limiter rl({1.0, 2.0});
  const auto t0 = clk::time_point{} + 50s;
  CHECK(rl.acquire("a", t0) == clk::duration::zero());
  CHECK(rl.acquire("a", t0) == clk::duration::zero());
  CHECK(rl.acquire("a", t0) > clk::duration::zero());
  CHECK(rl.acquire("b", t0) == clk::duration::zero());
  CHECK(rl.acquire("b", t0) == clk::duration::zero());
  CHECK(rl.acquire("b", t0) > clk::duration::zero());
  CHECK(rl.acquire("a", t0 + 1s) == clk::duration::zero());
}

TEST_CASE("rate_limiter: key count is bounded, idle buckets go first") {
  rate_limiter rl({1.0, 1.0}, 3);
  const auto t0 = clk::time_point{} + 50s;
  CHECK(rl.acquire("busy", t0) == clk::duration::zero());  // now empty
  CHECK(rl.acquire("x1", t0) == clk::duration::zero());
  CHECK(rl.acquire("x2", t0) == clk::duration::zero());
  CHECK(rl.size() == 3);
  for (int i = 0; i < 20; ++i) {
    rl.acquire("k" + std::to_string(i), t0 + std::chrono::milliseconds(i));
    CHECK(rl.size() <= 3);
  }
}

TEST_CASE("rate_limiter: an active empty bucket is never the one evicted") {
  rate_limiter rl({0.001, 1.0}, 2);
  const auto t0 = clk::time_point{} + 50s;
  CHECK(rl.acquire("flooder", t0) == clk::duration::zero());
  CHECK(rl.acquire("flooder", t0) > clk::duration::zero());
  // Other keys come and go; "flooder" is not full and was used more recently
  // than any other key, so eviction never drops it (which would reset it).
  for (int i = 0; i < 10; ++i) {
    rl.acquire("other" + std::to_string(i), t0 + 1ms);
    CHECK(rl.acquire("flooder", t0 + 2ms) > clk::duration::zero());
  }
}

TEST_CASE("retry_after_seconds rounds up to whole seconds, at least 1") {
  CHECK(retry_after_seconds(1ms) == 1);
  CHECK(retry_after_seconds(1000ms) == 1);
  CHECK(retry_after_seconds(1001ms) == 2);
  CHECK(retry_after_seconds(clk::duration::zero()) == 1);
}

TEST_CASE(
    "token_bucket: a burst of 0 is unlimited (a bucket that never holds a token is no limit anyone "
    "means)") {
  const auto t0 = clk::time_point{} + 1000s;
  token_bucket b({50.0, 0.0}, t0);
  for (int i = 0; i < 1000; ++i) CHECK(b.acquire(t0) == clk::duration::zero());
  CHECK(rate_limit{50.0, 0.0}.unlimited());
  CHECK_FALSE(rate_limit{50.0, 1.0}.unlimited());
}

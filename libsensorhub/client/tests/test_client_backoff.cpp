// SPDX-License-Identifier: MIT
// The reconnect backoff: capped exponential growth with full jitter.

#include <doctest/doctest.h>

#include <chrono>
#include <set>

#include "backoff.hpp"

using sensorhub::client::detail::backoff;
using ms = std::chrono::milliseconds;

TEST_CASE("the ceiling doubles from initial and stops at max") {
  backoff b(ms(100), ms(1000), 1);
  const ms expected[] = {ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000), ms(1000)};
  for (const ms want : expected) {
    CHECK(b.ceiling() == want);
    const ms d = b.next();
    CHECK(d >= ms(0));
    CHECK(d <= want);
  }
}

TEST_CASE("many attempts never overflow past max") {
  backoff b(ms(1), ms(30000), 2);
  for (int i = 0; i < 10000; ++i) CHECK(b.next() <= ms(30000));
  CHECK(b.ceiling() == ms(30000));
}

TEST_CASE("reset starts from initial again") {
  backoff b(ms(50), ms(5000), 3);
  for (int i = 0; i < 8; ++i) b.next();
  CHECK(b.ceiling() == ms(5000));
  b.reset();
  CHECK(b.attempt() == 0);
  CHECK(b.ceiling() == ms(50));
  CHECK(b.next() <= ms(50));
}

TEST_CASE("full jitter: delays spread over [0, cap], not clustered at the cap") {
  backoff b(ms(1000), ms(1000), 4);
  std::set<long long> seen;
  long long below_half = 0;
  for (int i = 0; i < 1000; ++i) {
    const long long d = b.next().count();
    REQUIRE(d >= 0);
    REQUIRE(d <= 1000);
    seen.insert(d);
    if (d < 500) ++below_half;
  }
  CHECK(seen.size() > 300);  // 1000 draws from 1001 values
  CHECK(below_half > 350);   // about half (binomial, 1000 draws: > 9 sigma away)
  CHECK(below_half < 650);
}

TEST_CASE("an initial delay of zero still backs off") {
  backoff b(ms(0), ms(0), 5);
  CHECK(b.ceiling() == ms(1));
  CHECK(b.next() <= ms(1));
}

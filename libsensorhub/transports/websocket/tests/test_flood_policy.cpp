// SPDX-License-Identifier: MIT
// flood_policy: the per-connection bucket, the shared per-address and
// per-token buckets, warnings and the close, with an explicit clock.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "policy/flood_policy.hpp"

using namespace sensorhub;
using namespace std::chrono_literals;
using ws_detail::flood_policy;
using ws_detail::flood_state;
using ws_detail::flood_verdict;
using clk = flood_policy::clock;

TEST_CASE("flood_policy: a burst passes, then warnings, then one close, then silence") {
  flood_policy p({1.0, 3.0}, {}, 2);
  const auto t0 = clk::time_point{} + 1h;
  flood_state s = p.open(t0);
  for (int i = 0; i < 3; ++i) CHECK(p.judge(s, "", "", t0) == flood_verdict::accept);
  CHECK(p.judge(s, "", "", t0) == flood_verdict::warn);
  CHECK(p.judge(s, "", "", t0) == flood_verdict::warn);
  CHECK(s.strikes == 2);
  CHECK(p.judge(s, "", "", t0) == flood_verdict::close);
  CHECK(s.closed);
  // Closed: even with tokens back, nothing more is accepted or answered.
  CHECK(p.judge(s, "", "", t0 + 1h) == flood_verdict::ignore);
}

TEST_CASE("flood_policy: an accepted message clears the strikes") {
  flood_policy p({1.0, 1.0}, {}, 1);
  const auto t0 = clk::time_point{} + 1h;
  flood_state s = p.open(t0);
  CHECK(p.judge(s, "", "", t0) == flood_verdict::accept);
  CHECK(p.judge(s, "", "", t0) == flood_verdict::warn);
  CHECK(p.judge(s, "", "", t0 + 1s) == flood_verdict::accept);
  CHECK(s.strikes == 0);
  CHECK(p.judge(s, "", "", t0 + 1s) == flood_verdict::warn);
  CHECK(p.judge(s, "", "", t0 + 1s) == flood_verdict::close);
}

TEST_CASE("flood_policy: connections of one address share its bucket") {
  flood_policy p({}, {1.0, 4.0}, 10);
  const auto t0 = clk::time_point{} + 1h;
  flood_state a = p.open(t0);
  flood_state b = p.open(t0);
  flood_state other = p.open(t0);
  for (int i = 0; i < 2; ++i) {
    CHECK(p.judge(a, "10.0.0.1", "", t0) == flood_verdict::accept);
    CHECK(p.judge(b, "10.0.0.1", "", t0) == flood_verdict::accept);
  }
  CHECK(p.judge(a, "10.0.0.1", "", t0) == flood_verdict::warn);
  CHECK(p.judge(b, "10.0.0.1", "", t0) == flood_verdict::warn);
  CHECK(p.judge(other, "10.0.0.2", "", t0) == flood_verdict::accept);
  CHECK(p.judge(other, "", "", t0) == flood_verdict::accept);  // no address: no shared bucket
  CHECK(p.shared().size() == 2);
}

TEST_CASE("flood_policy: connections of one token share its bucket across addresses") {
  flood_policy p({}, {1.0, 2.0}, 10);
  const auto t0 = clk::time_point{} + 1h;
  flood_state a = p.open(t0);
  flood_state b = p.open(t0);
  CHECK(p.judge(a, "10.0.0.1", "writer", t0) == flood_verdict::accept);
  CHECK(p.judge(b, "10.0.0.2", "writer", t0) == flood_verdict::accept);
  CHECK(p.judge(b, "10.0.0.3", "writer", t0) == flood_verdict::warn);
  CHECK(p.judge(b, "10.0.0.3", "reader", t0) == flood_verdict::accept);
}

TEST_CASE("flood_policy: a refusal by its own bucket takes nothing from the shared ones") {
  flood_policy p({1.0, 1.0}, {1.0, 2.0}, 10);
  const auto t0 = clk::time_point{} + 1h;
  flood_state a = p.open(t0);
  flood_state b = p.open(t0);
  CHECK(p.judge(a, "10.0.0.1", "", t0) == flood_verdict::accept);
  for (int i = 0; i < 5; ++i) CHECK(p.judge(a, "10.0.0.1", "", t0) == flood_verdict::warn);
  // The address bucket still holds one token for another connection.
  CHECK(p.judge(b, "10.0.0.1", "", t0) == flood_verdict::accept);
  CHECK(p.judge(b, "10.0.0.1", "", t0) == flood_verdict::warn);
}

TEST_CASE("flood_policy: per_second <= 0 is unlimited") {
  flood_policy p({0.0, 1.0}, {0.0, 1.0}, 0);
  const auto t0 = clk::time_point{} + 1h;
  flood_state s = p.open(t0);
  for (int i = 0; i < 1000; ++i) REQUIRE(p.judge(s, "10.0.0.1", "t", t0) == flood_verdict::accept);
  CHECK(p.shared().size() == 0);
}

TEST_CASE("flood_policy: control frames have their own bucket, control_factor times the rate") {
  flood_policy p({1.0, 2.0}, {1.0, 1.0}, 2);
  const auto t0 = clk::time_point{} + 1h;
  flood_state s = p.open(t0);
  const int burst = static_cast<int>(2.0 * flood_policy::control_factor);
  for (int i = 0; i < burst; ++i) CHECK(p.judge_control(s, t0) == flood_verdict::accept);
  // The message bucket (and the shared ones) are untouched by the pings.
  CHECK(p.judge(s, "10.0.0.1", "", t0) == flood_verdict::accept);
  CHECK(p.judge_control(s, t0) == flood_verdict::warn);
  CHECK(p.judge_control(s, t0) == flood_verdict::warn);
  CHECK(s.control_strikes == 2);
  CHECK(s.strikes == 0);
  CHECK(p.judge_control(s, t0) == flood_verdict::close);
  CHECK(p.judge_control(s, t0 + 1h) == flood_verdict::ignore);
  CHECK(p.judge(s, "10.0.0.1", "", t0 + 1h) == flood_verdict::ignore);
}

TEST_CASE("flood_policy: an accepted control frame clears only the control strikes") {
  flood_policy p({1.0, 1.0}, {}, 1);
  const auto t0 = clk::time_point{} + 1h;
  flood_state s = p.open(t0);
  for (int i = 0; i < 4; ++i) CHECK(p.judge_control(s, t0) == flood_verdict::accept);
  CHECK(p.judge_control(s, t0) == flood_verdict::warn);
  CHECK(p.judge_control(s, t0 + 1s) == flood_verdict::accept);  // 4 tokens per second
  CHECK(s.control_strikes == 0);
  CHECK(p.judge(s, "", "", t0) == flood_verdict::accept);
  CHECK(p.judge(s, "", "", t0) == flood_verdict::warn);
  CHECK(p.judge_control(s, t0 + 1s) == flood_verdict::accept);
  CHECK(s.strikes == 1);
}

TEST_CASE("flood_policy: an unlimited message rate leaves control frames unlimited") {
  flood_policy p({}, {}, 0);
  flood_state s = p.open(clk::now());
  for (int i = 0; i < 10000; ++i) REQUIRE(p.judge_control(s, clk::now()) == flood_verdict::accept);
}

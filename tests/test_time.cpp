// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "sensorhub/time.hpp"

using namespace sensorhub;
using std::chrono::microseconds;

namespace {
timestamp at_us(long long us) { return timestamp{microseconds{us}}; }
}  // namespace

TEST_CASE("format_time writes RFC 3339 UTC with six fraction digits and +00:00") {
  CHECK(format_time(at_us(0)) == "1970-01-01T00:00:00.000000+00:00");
  CHECK(format_time(at_us(1)) == "1970-01-01T00:00:00.000001+00:00");
  // 2025-07-20T05:34:11.378577Z
  CHECK(format_time(at_us(1752989651378577LL)) == "2025-07-20T05:34:11.378577+00:00");
  // Before the epoch: floor division, not truncation.
  CHECK(format_time(at_us(-1)) == "1969-12-31T23:59:59.999999+00:00");
  // Leap day.
  CHECK(format_time(at_us(951782400000000LL)) == "2000-02-29T00:00:00.000000+00:00");
  CHECK(format_time(*parse_time("9999-12-31T23:59:59.999999Z")) ==
        "9999-12-31T23:59:59.999999+00:00");
  CHECK(format_time(*parse_time("0001-01-01T00:00:00Z")) == "0001-01-01T00:00:00.000000+00:00");
}

TEST_CASE("parse_time accepts Z and offsets and normalizes to UTC") {
  const auto base = parse_time("2025-07-20T05:34:11.378577Z");
  REQUIRE(base);
  CHECK(to_micros(*base) == 1752989651378577LL);
  CHECK(parse_time("2025-07-20T05:34:11.378577+00:00") == base);
  CHECK(parse_time("2025-07-20T05:34:11.378577-00:00") == base);
  CHECK(parse_time("2025-07-20t05:34:11.378577z") == base);
  CHECK(parse_time("2025-07-20T11:04:11.378577+05:30") == base);
  CHECK(parse_time("2025-07-19T23:34:11.378577-06:00") == base);
  // The offset crosses a year boundary.
  CHECK(format_time(*parse_time("2025-01-01T01:00:00+02:00")) ==
        "2024-12-31T23:00:00.000000+00:00");
}

TEST_CASE("parse_time fractions: optional, up to nine digits, truncated to microseconds") {
  CHECK(to_micros(*parse_time("1970-01-01T00:00:00Z")) == 0);
  CHECK(to_micros(*parse_time("1970-01-01T00:00:00.5Z")) == 500000);
  CHECK(to_micros(*parse_time("1970-01-01T00:00:00.123Z")) == 123000);
  CHECK(to_micros(*parse_time("1970-01-01T00:00:00.123456Z")) == 123456);
  CHECK(to_micros(*parse_time("1970-01-01T00:00:00.1234567Z")) == 123456);
  CHECK(to_micros(*parse_time("1970-01-01T00:00:00.999999999Z")) == 999999);
  CHECK_FALSE(parse_time("1970-01-01T00:00:00.1234567891Z"));
  CHECK_FALSE(parse_time("1970-01-01T00:00:00.Z"));
}

TEST_CASE("format/parse round trip") {
  for (long long us : {0LL, 1LL, 999999LL, 1752989651378577LL, -86400000001LL, 253402300799999999LL,
                       951868799999999LL}) {
    const std::string text = format_time(at_us(us));
    const auto back = parse_time(text);
    REQUIRE(back);
    CHECK(to_micros(*back) == us);
  }
  const auto t = now();
  CHECK(parse_time(format_time(t)) == t);
}

TEST_CASE("parse_time leap years") {
  CHECK(parse_time("2024-02-29T00:00:00Z"));
  CHECK(parse_time("2000-02-29T00:00:00Z"));
  CHECK(parse_time("1600-02-29T00:00:00Z"));
  CHECK_FALSE(parse_time("2023-02-29T00:00:00Z"));
  CHECK_FALSE(parse_time("1900-02-29T00:00:00Z"));
  CHECK_FALSE(parse_time("2100-02-29T00:00:00Z"));
  CHECK_FALSE(parse_time("2024-02-30T00:00:00Z"));
  CHECK(parse_time("2024-04-30T00:00:00Z"));
  CHECK_FALSE(parse_time("2024-04-31T00:00:00Z"));
  CHECK(parse_time("2024-12-31T00:00:00Z"));
}

TEST_CASE("parse_time rejects everything that is not strict RFC 3339") {
  const char* bad[] = {
      "",
      "2025",
      "2025-07-20",
      "2025-07-20T05:34:11",         // no offset
      "2025-07-20T05:34Z",           // no seconds
      "2025-07-20 05:34:11Z",        // space separator
      "2025-13-01T00:00:00Z",        // month 13
      "2025-00-01T00:00:00Z",        // month 0
      "2025-01-00T00:00:00Z",        // day 0
      "2025-01-32T00:00:00Z",        // day 32
      "2025-01-01T24:00:00Z",        // hour 24
      "2025-01-01T00:60:00Z",        // minute 60
      "2025-01-01T00:00:60Z",        // leap second not accepted
      "2025-01-01T00:00:61Z",        // second 61
      "0000-01-01T00:00:00Z",        // year 0
      "10000-01-01T00:00:00Z",       // year 10000
      "2025-01-01T00:00:00+24:00",   // offset hour 24
      "2025-01-01T00:00:00+05:60",   // offset minute 60
      "2025-01-01T00:00:00+0530",    // no colon in offset
      "2025-01-01T00:00:00+05",      // short offset
      "2025-01-01T00:00:00Z ",       // trailing space
      " 2025-01-01T00:00:00Z",       // leading space
      "2025-01-01T00:00:00ZZ",       // trailing garbage
      "2025-1-01T00:00:00Z",         // short month
      "2025-01-01T00:00:00.12a45Z",  // junk in fraction
      "+2025-01-01T00:00:00Z",
      "2025/01/01T00:00:00Z",
      "２０２５-01-01T00:00:00Z",  // non-ASCII digits
      "abcd-ef-ghTij:kl:mnZ",
  };
  for (const char* s : bad) {
    INFO("input: ", std::string(s));
    CHECK_FALSE(parse_time(s));
  }
  // In range as written, but outside years 1..9999 once normalized to UTC.
  CHECK_FALSE(parse_time("0001-01-01T00:00:00+00:01"));
  CHECK_FALSE(parse_time("9999-12-31T23:59:59-00:01"));
  CHECK(parse_time("0001-01-01T00:59:00+00:59"));
  CHECK(parse_time("9999-12-31T23:00:00-00:59"));
  // Embedded NUL after a valid time.
  CHECK_FALSE(parse_time(std::string_view("2025-01-01T00:00:00Z\0x", 22)));
}

TEST_CASE("now() has microsecond resolution and is close to system_clock") {
  const auto sys = std::chrono::system_clock::now();
  const auto t = now();
  const auto diff = std::chrono::duration_cast<microseconds>(t - sys).count();
  CHECK(diff > -60'000'000);  // within a minute either way: not a timing assertion
  CHECK(diff < 60'000'000);
}

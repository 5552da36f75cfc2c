// SPDX-License-Identifier: MIT
// End-to-end: time-series reads of SPEC §13 against the real daemon.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <iomanip>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "e2e_test_util.hpp"

using namespace sensorhub::e2e;

namespace {

constexpr std::int64_t minute_us = 60'000'000;
// 2025-07-20T00:00:00Z in microseconds since the epoch.
constexpr std::int64_t day0_us = 1752969600LL * 1'000'000;

struct sample {
  std::int64_t ts_us;
  double valor;
  int order;  // insertion order = id order
};

struct expected_bucket {
  std::int64_t count = 0;
  double min = 0, max = 0, sum = 0, first = 0, last = 0;
  std::int64_t first_ts = 0, last_ts = 0;
};

// "2025-07-20T01:02:03.000004+02:00": the same instant in a +02:00 offset,
// so the server has to normalize before it aligns buckets to UTC.
std::string offset_time(std::int64_t us) {
  const std::int64_t local = us + 2LL * 3600 * 1'000'000;
  const std::int64_t secs = local / 1'000'000, micros = local % 1'000'000;
  const std::int64_t days = secs / 86400, rem = secs % 86400;
  // Only 2025-07-20 .. 2025-07-22 are used.
  char buf[64];
  std::snprintf(buf, sizeof buf, "2025-07-%02lldT%02lld:%02lld:%02lld.%06lld+02:00",
                static_cast<long long>(20 + days - 20289), static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(micros));
  return buf;
}

std::map<std::int64_t, expected_bucket> expect(const std::vector<sample>& all, std::int64_t b,
                                               std::int64_t since, std::int64_t until) {
  std::map<std::int64_t, expected_bucket> out;
  for (const sample& s : all) {
    if (s.ts_us < since || s.ts_us >= until) continue;
    expected_bucket& e = out[s.ts_us - s.ts_us % b];
    if (e.count == 0 || s.ts_us < e.first_ts) {
      e.first = s.valor;
      e.first_ts = s.ts_us;
    }
    if (e.count == 0 || s.ts_us >= e.last_ts) {  // ties: the later id wins
      e.last = s.valor;
      e.last_ts = s.ts_us;
    }
    e.min = e.count == 0 ? s.valor : std::min(e.min, s.valor);
    e.max = e.count == 0 ? s.valor : std::max(e.max, s.valor);
    e.sum += s.valor;
    ++e.count;
  }
  return out;
}

// `zone` "+00:00" as the server writes it, "Z" for a query string.
std::string utc_time(std::int64_t us, const char* zone = "+00:00") {
  const std::int64_t secs = us / 1'000'000;
  const std::int64_t days = secs / 86400, rem = secs % 86400;
  char buf[64];
  std::snprintf(buf, sizeof buf, "2025-07-%02lldT%02lld:%02lld:%02lld.%06lld%s",
                static_cast<long long>(20 + days - 20289), static_cast<long long>(rem / 3600),
                static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60),
                static_cast<long long>(us % 1'000'000), zone);
  return buf;
}

void check_agg(const http_client& h, std::int64_t sid, const std::vector<sample>& all,
               const std::string& bucket, std::int64_t b, std::int64_t since, std::int64_t until) {
  const std::string url = "/api/v1/sensores/" + std::to_string(sid) +
                          "/lecturas/agg?bucket=" + bucket + "&since=" + utc_time(since, "Z") +
                          "&until=" + utc_time(until, "Z");
  const http_response r = h.get(url);
  INFO("GET " << url << " -> " << r.status << " " << r.body.substr(0, 400));
  REQUIRE(r.status == 200);
  const json_doc j = r.json();
  REQUIRE(j.ok());
  const auto want = expect(all, b, since, until);
  REQUIRE(j.root().size() == want.size());
  std::size_t i = 0;
  for (const auto& [start, e] : want) {
    const auto got = j.at(i++);
    CHECK(got.keys() ==
          std::set<std::string>{"bucket_start", "count", "min", "max", "avg", "first", "last"});
    CHECK(got["bucket_start"].str() == utc_time(start));
    CHECK(got["count"].i64() == e.count);
    CHECK(got["min"].num() == e.min);
    CHECK(got["max"].num() == e.max);
    CHECK(std::abs(got["avg"].num().value_or(1e300) - e.sum / e.count) < 1e-9);
    CHECK(got["first"].num() == e.first);
    CHECK(got["last"].num() == e.last);
  }
}

}  // namespace

TEST_CASE("agg: UTC-aligned buckets with count, min, max, avg, first, last") {
  daemon_process d;
  const auto h = d.http();
  const std::int64_t sid = create_sensor(h);
  const std::int64_t other = create_sensor(h);

  // 30 hours of irregular readings (every 37 s, some pairs sharing a
  // timestamp), sent out of order with a +02:00 offset.
  std::vector<sample> all;
  int order = 0;
  for (std::int64_t t = day0_us - 3 * 3600 * 1'000'000LL + 123;
       t < day0_us + 27 * 3600 * 1'000'000LL; t += 37'000'000) {
    const double v = std::fmod(static_cast<double>(t / 1000) * 0.618, 97.0) - 40.5;
    all.push_back({t, v, order++});
    if (order % 11 == 0) all.push_back({t, v + 0.25, order++});  // same timestamp
  }
  std::vector<sample> sent = all;
  std::reverse(sent.begin(), sent.begin() + static_cast<std::ptrdiff_t>(sent.size() / 2));
  // Ids follow the order sent: expect() walks `sent` in that order, so a
  // timestamp tie goes to the lower id for first and the higher for last.
  for (std::size_t at = 0; at < sent.size(); at += 2000) {
    std::ostringstream body;
    body << std::setprecision(17) << "[";
    for (std::size_t i = at; i < std::min(sent.size(), at + 2000); ++i) {
      body << (i == at ? "" : ",") << "{\"sensor_id\":" << sid << ",\"valor\":" << sent[i].valor
           << ",\"timestamp\":\"" << offset_time(sent[i].ts_us) << "\"}";
    }
    body << "]";
    post_created(h, "/api/v1/lecturas/batch", body.str());
  }
  create_reading(h, other, 1e6, ",\"timestamp\":\"2025-07-20T10:00:00Z\"");  // not ours

  const std::int64_t hour = 60 * minute_us;
  check_agg(h, sid, sent, "1m", minute_us, day0_us, day0_us + 2 * hour);
  check_agg(h, sid, sent, "5m", 5 * minute_us, day0_us + 7 * minute_us + 5, day0_us + 5 * hour);
  check_agg(h, sid, sent, "15m", 15 * minute_us, day0_us - hour, day0_us + 10 * hour);
  check_agg(h, sid, sent, "1h", hour, day0_us - 3 * hour, day0_us + 27 * hour);
  check_agg(h, sid, sent, "1d", 24 * hour, day0_us - 3 * hour, day0_us + 27 * hour);
}

TEST_CASE("agg: defaults, empty ranges and every bad input answered as SPEC says") {
  daemon_process d;
  const auto h = d.http();
  const std::int64_t sid = create_sensor(h);
  create_reading(h, sid, 4.5);  // now
  const std::string base = "/api/v1/sensores/" + std::to_string(sid) + "/lecturas/agg";

  // Defaults: the last 24 h in 1 h buckets; the reading just made is in one.
  http_response r = h.get(base);
  REQUIRE(r.status == 200);
  json_doc j = r.json();
  REQUIRE(j.root().size() == 1);
  CHECK(j.at(0)["count"].i64() == 1);
  CHECK(j.at(0)["avg"].num() == 4.5);
  CHECK(is_server_time(j.at(0)["bucket_start"].str()));
  CHECK(j.at(0)["bucket_start"].str().substr(13) == ":00:00.000000+00:00");

  CHECK(h.get(base + "?since=2020-01-01T00:00:00Z&until=2020-01-02T00:00:00Z").body == "[]");
  CHECK(h.get(base + "?since=2020-01-02T00:00:00Z&until=2020-01-01T00:00:00Z").body == "[]");
  // 10,000 one-minute buckets is the most; one more is 422.
  CHECK(h.get(base + "?bucket=1m&since=2020-01-01T00:00:00Z&until=2020-01-07T22:40:00Z").status ==
        200);
  CHECK(error_mismatch(
            h.get(base + "?bucket=1m&since=2020-01-01T00:00:00Z&until=2020-01-07T22:40:01Z"), 422,
            "validation_failed", "bucket") == "");
  for (const char* bad : {"?bucket=2m", "?bucket=", "?bucket=1H", "?since=yesterday",
                          "?until=2020-13-01T00:00:00Z"}) {
    INFO(bad);
    CHECK(error_mismatch(h.get(base + bad), 400, "invalid_parameter") == "");
  }
  CHECK(error_mismatch(h.get("/api/v1/sensores/999999/lecturas/agg"), 404, "not_found") == "");
  CHECK(error_mismatch(h.get("/api/v1/sensores/abc/lecturas/agg"), 400, "invalid_parameter") == "");
  CHECK(error_mismatch(h.post("/api/v1/sensores/1/lecturas/agg", "{}"), 405,
                       "method_not_allowed") == "");
}

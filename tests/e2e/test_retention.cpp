// SPDX-License-Identifier: MIT
// End-to-end: readings retention with hourly rollups (SPEC §13) in the real
// daemon: readings with old timestamps posted over REST, a restart with
// storage.readings_retention_s, the background pass, agg answering the same
// as before across the raw/rollup boundary, and retention_applied on
// general (in GET /events and live on a WebSocket).

#include <cmath>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "e2e_test_util.hpp"

using namespace sensorhub::e2e;

namespace {

constexpr std::int64_t minute_s = 60;
constexpr std::int64_t hour_s = 3600;
constexpr std::int64_t day_s = 86400;

std::string rfc3339(std::int64_t secs) {
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string agg_url(std::int64_t sid, const char* bucket, std::int64_t since, std::int64_t until) {
  return "/api/v1/sensores/" + std::to_string(sid) + "/lecturas/agg?bucket=" + bucket +
         "&since=" + rfc3339(since) + "&until=" + rfc3339(until);
}

json_doc get_json(const http_client& h, const std::string& url) {
  const http_response r = h.get(url);
  INFO("GET " << url << " -> " << r.status << " " << r.body.substr(0, 300));
  REQUIRE(r.status == 200);
  json_doc j = r.json();
  REQUIRE(j.root().is_array());
  return j;
}

void check_same(const json_doc& a, const json_doc& b) {
  REQUIRE(a.root().size() == b.root().size());
  for (std::size_t i = 0; i < a.root().size(); ++i) {
    CAPTURE(i);
    CHECK(a.at(i)["bucket_start"].str() == b.at(i)["bucket_start"].str());
    CHECK(a.at(i)["count"].i64() == b.at(i)["count"].i64());
    for (const char* k : {"min", "max", "first", "last"}) {
      CAPTURE(k);
      CHECK(a.at(i)[k].num() == b.at(i)[k].num());
    }
    CHECK(std::abs(a.at(i)["avg"].num().value_or(1e300) - b.at(i)["avg"].num().value_or(0)) < 1e-9);
  }
}

// The retention_applied events stored on general.
std::vector<std::string> retention_events(const http_client& h) {
  const json_doc j = get_json(h, "/api/v1/events?since=0&channel=general&limit=1000");
  std::vector<std::string> out;
  for (std::size_t i = 0; i < j.root().size(); ++i) {
    if (j.at(i)["event"].str() == "retention_applied") out.push_back(j.at(i).dump());
  }
  return out;
}

}  // namespace

TEST_CASE("retention: old readings become hourly rollups and agg answers the same") {
  daemon_process d;
  const auto h = d.http();
  const std::int64_t sid = create_sensor(h);
  const std::int64_t other = create_sensor(h);

  // 30 h of per-minute readings ending now; values are multiples of 0.25 so
  // sums are exact in any order.
  const std::int64_t now_s = static_cast<std::int64_t>(std::time(nullptr));
  const std::int64_t start = (now_s - 30 * hour_s) / minute_s * minute_s;
  std::vector<std::pair<std::int64_t, double>> rows;
  for (std::int64_t t = start, i = 0; t < now_s - minute_s; t += minute_s, ++i) {
    rows.emplace_back(t, static_cast<double>((i * 37) % 97) * 0.25 - 5.0);
  }
  for (std::size_t at = 0; at < rows.size(); at += 1000) {
    std::ostringstream body;
    body << "[";
    for (std::size_t i = at; i < std::min(rows.size(), at + 1000); ++i) {
      body << (i == at ? "" : ",") << "{\"sensor_id\":" << sid << ",\"valor\":" << rows[i].second
           << ",\"timestamp\":\"" << rfc3339(rows[i].first) << "\"}";
    }
    body << "]";
    post_created(h, "/api/v1/lecturas/batch", body.str());
  }

  const std::int64_t h0 = start / hour_s * hour_s - hour_s;
  const std::int64_t d0 = start / day_s * day_s - day_s;
  const std::string by_hour = agg_url(sid, "1h", h0, h0 + 34 * hour_s);
  const std::string by_day = agg_url(sid, "1d", d0, d0 + 4 * day_s);
  // A span that crosses the raw/rollup boundary (24 h ago) on both sides.
  const std::int64_t cross0 = (now_s - 27 * hour_s) / hour_s * hour_s;
  const std::string crossing = agg_url(sid, "1h", cross0, cross0 + 6 * hour_s);
  const json_doc before_hour = get_json(h, by_hour);
  const json_doc before_day = get_json(h, by_day);
  const json_doc before_cross = get_json(h, crossing);
  REQUIRE(before_hour.root().size() >= 30);
  const std::string old_minutes = agg_url(sid, "1m", start, start + 2 * hour_s);
  REQUIRE(get_json(h, old_minutes).root().size() == 120);
  CHECK(retention_events(h).empty());

  // Restart with retention: raw readings kept for 24 h; a pass every second.
  d.terminate();
  REQUIRE(d.wait_exit(std::chrono::seconds(30)).has_value());
  const std::string config = (d.dir() / "retention.json").string();
  std::ofstream(config) << R"({"storage":{"readings_retention_s":86400,"prune_interval_s":1}})";
  std::vector<std::string> flags = default_daemon_flags();
  flags.push_back("--config");
  flags.push_back(config);
  d.restart(flags);
  const auto h2 = d.http();

  // The first pass runs at start: one retention_applied with the counts.
  std::vector<std::string> stored;
  REQUIRE(wait_until([&] { return !(stored = retention_events(h2)).empty(); },
                     std::chrono::seconds(60)));
  const json_doc ev = json_doc::parse(stored.front());
  CAPTURE(stored.front());
  CHECK(ev["type"].str() == "system_event");
  CHECK(ev["data"].keys() == std::set<std::string>{"readings_deleted", "hours_rolled_up",
                                                   "rollups_deleted", "raw_cutoff",
                                                   "rollup_cutoff"});
  // Between 5 and 7 whole hours (the cutoff is floor_hour(now - 24 h)).
  const auto deleted = ev["data"]["readings_deleted"].i64().value_or(0);
  CHECK(deleted >= 4 * 60);
  CHECK(deleted <= 7 * 60);
  CHECK(ev["data"]["hours_rolled_up"].i64().value_or(0) >= 4);
  CHECK(ev["data"]["rollups_deleted"].i64() == 0);
  CHECK(ev["data"]["rollup_cutoff"].is_null());
  CHECK(ev["data"]["raw_cutoff"].str().substr(13) == ":00:00.000000+00:00");

  // Hour and day buckets: the same answer as from the raw readings before.
  check_same(get_json(h2, by_hour), before_hour);
  check_same(get_json(h2, by_day), before_day);
  check_same(get_json(h2, crossing), before_cross);
  // Minute buckets come from raw readings only: the old ones are gone.
  CHECK(get_json(h2, old_minutes).root().size() == 0);

  // Live: a WebSocket subscriber on general sees the next pass that removes
  // something (an old reading of another sensor).
  ws_client c = open_ws(d, "?channel=general");
  create_reading(h2, other, 7.5, ",\"timestamp\":\"" + rfc3339(now_s - 40 * hour_s) + "\"");
  bool seen = false;
  for (int i = 0; i < 200 && !seen; ++i) {
    auto m = c.recv_json(std::chrono::seconds(30));
    REQUIRE(m.has_value());
    REQUIRE(m->ok());
    if ((*m)["type"].str() != "system_event" || (*m)["event"].str() != "retention_applied") {
      continue;
    }
    seen = true;
    CAPTURE(m->text());
    // 1, or more if an hour of `sid` came of age meanwhile.
    CHECK((*m)["data"]["readings_deleted"].i64().value_or(0) >= 1);
    CHECK((*m)["data"]["hours_rolled_up"].i64().value_or(0) >= 1);
    CHECK((*m)["seq"].i64().value_or(0) > 0);
  }
  CHECK(seen);
  // Passes that removed nothing emitted nothing (2, or 3 across an hour).
  CHECK(retention_events(h2).size() >= 2);
  CHECK(retention_events(h2).size() <= 3);
  // The other sensor's reading is an hourly rollup now.
  const std::int64_t late = now_s - 40 * hour_s;
  const json_doc other_hour = get_json(h2, agg_url(other, "1h", late / hour_s * hour_s, now_s));
  REQUIRE(other_hour.root().size() == 1);
  CHECK(other_hour.at(0)["count"].i64() == 1);
  CHECK(other_hour.at(0)["first"].num() == 7.5);
  CHECK(get_json(h2, agg_url(other, "1m", late - hour_s, late + hour_s)).root().size() == 0);
  check_same(get_json(h2, by_hour), before_hour);
  CHECK(healthy(d));
}

// SPDX-License-Identifier: MIT
// Readings retention with hourly rollups (SPEC §13) on a real SQLite file:
// the cutoff math (whole UTC hours), bounded batches, an idempotent re-run,
// a failure between fold and delete (no double count), late readings for a
// folded hour, rollup retention, and agg answering the same across the
// raw/rollup boundary as it did from raw readings before retention ran.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/hub.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "support/sqlite_seed.hpp"
#include "support/temp_dir.hpp"

using namespace sensorhub;
using sensorhub::testing::seed_readings;
using sensorhub::testing::seed_sensor;
using sensorhub::testing::sqlite_file_options;
using sensorhub::testing::temp_dir;

namespace {

constexpr long long minute = 60'000'000;
constexpr long long hour = 60 * minute;
constexpr long long day = 24 * hour;
// 2025-07-20T00:00:00Z, a day boundary.
constexpr long long t0 = 1'752'969'600'000'000LL;

// One reading a minute over [from, to); values are multiples of 0.25 so sums
// are exact whatever the order they are added in.
std::vector<std::pair<long long, double>> per_minute(long long from, long long to, int salt) {
  std::vector<std::pair<long long, double>> rows;
  int i = 0;
  for (long long ts = from; ts < to; ts += minute, ++i) {
    rows.emplace_back(ts + 7'000'000, ((i * 37 + salt * 11) % 97) * 0.25 - 5.0);
  }
  return rows;
}

std::vector<agg_bucket> agg(repository& repo, std::int64_t sensor, long long since, long long until,
                            long long bucket) {
  agg_query q;
  q.sensor_id = sensor;
  q.since = from_micros(since);
  q.until = from_micros(until);
  q.bucket = std::chrono::microseconds(bucket);
  return repo.aggregate_readings(q);
}

void check_same(const std::vector<agg_bucket>& a, const std::vector<agg_bucket>& b) {
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    CAPTURE(i);
    CHECK(a[i].bucket_start == b[i].bucket_start);
    CHECK(a[i].count == b[i].count);
    CHECK(a[i].min == b[i].min);
    CHECK(a[i].max == b[i].max);
    CHECK(a[i].avg == doctest::Approx(b[i].avg).epsilon(1e-12));
    CHECK(a[i].first == b[i].first);
    CHECK(a[i].last == b[i].last);
  }
}

// A second connection to the same file, for what the repository hides.
struct raw_db {
  sqlite3* db = nullptr;
  explicit raw_db(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  }
  ~raw_db() { sqlite3_close(db); }
  long long scalar(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    const long long v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  }
  void exec(const std::string& sql) {
    REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
  }
};

readings_retention_policy raw_only(std::chrono::seconds raw, std::size_t batch = 5000) {
  readings_retention_policy p;
  p.raw_age = raw;
  p.batch = batch;
  return p;
}

}  // namespace

TEST_CASE(
    "retention folds whole hours before the cutoff, and agg is the same across the boundary") {
  temp_dir dir;
  const std::string path = (dir.path() / "ret.db").string();
  sqlite_repository repo(sqlite_file_options(path));
  const auto a = seed_sensor(repo);
  const auto b = seed_sensor(repo);
  seed_readings(repo, a, per_minute(t0, t0 + 3 * day, 1));
  seed_readings(repo, b, per_minute(t0 + day, t0 + 2 * day, 2));
  const long long since = t0 - day;
  const long long until = t0 + 4 * day;
  const auto before_1h = agg(repo, a, since, until, hour);
  const auto before_1d = agg(repo, a, since, until, day);
  const auto before_b = agg(repo, b, since, until, hour);
  REQUIRE(before_1h.size() == 72);

  // now = t0 + 2 d + 30 min 10 s; raw_age 1 d: cutoff = floor_hour(t0 + 1 d + 30 min) = t0 + 1 d.
  const timestamp at = from_micros(t0 + 2 * day + 30 * minute + 10'000'000);
  const auto r = repo.apply_readings_retention(raw_only(std::chrono::hours(24)), at);
  REQUIRE(r.raw_cutoff.has_value());
  CHECK(to_micros(*r.raw_cutoff) == t0 + day);
  CHECK_FALSE(r.rollup_cutoff.has_value());
  CHECK(r.readings_deleted == 24 * 60);  // sensor a's first day; b starts at the cutoff
  CHECK(r.hours_rolled_up == 24);
  CHECK(r.rollups_deleted == 0);

  raw_db raw(path);
  CHECK(raw.scalar("SELECT count(*) FROM lecturas WHERE ts < " + std::to_string(t0 + day)) == 0);
  CHECK(raw.scalar("SELECT count(*) FROM lecturas") == 2 * 24 * 60 + 24 * 60);
  CHECK(raw.scalar("SELECT count(*) FROM lecturas_hourly") == 24);
  CHECK(raw.scalar("SELECT sum(count) FROM lecturas_hourly") == 24 * 60);

  // Hour multiples: the same answer as from the raw readings before.
  check_same(agg(repo, a, since, until, hour), before_1h);
  check_same(agg(repo, a, since, until, day), before_1d);
  check_same(agg(repo, b, since, until, hour), before_b);
  // A span crossing the boundary mid-day.
  check_same(agg(repo, a, t0 + 20 * hour, t0 + 28 * hour, hour),
             std::vector<agg_bucket>(before_1h.begin() + 20, before_1h.begin() + 28));
  // Sub-hour buckets answer from raw readings only: nothing before the cutoff.
  const auto minutes = agg(repo, a, t0, t0 + 2 * day, minute);
  REQUIRE_FALSE(minutes.empty());
  CHECK(to_micros(minutes.front().bucket_start) == t0 + day);

  SUBCASE("a re-run removes nothing and changes nothing") {
    const auto again = repo.apply_readings_retention(raw_only(std::chrono::hours(24)), at);
    CHECK(again.readings_deleted == 0);
    CHECK(again.hours_rolled_up == 0);
    CHECK_FALSE(again.removed_something());
    check_same(agg(repo, a, since, until, hour), before_1h);
  }
  SUBCASE("a late reading for a folded hour merges into its rollup") {
    seed_readings(repo, a,
                  {{t0 + 5 * hour + 59 * minute + 59'000'000, 1000.0}, {t0 + 5 * hour, -1000.0}});
    // Before the next pass: raw and rollup sum in the same bucket.
    auto got = agg(repo, a, t0 + 5 * hour, t0 + 6 * hour, hour);
    REQUIRE(got.size() == 1);
    CHECK(got[0].count == 62);
    CHECK(got[0].max == 1000.0);
    CHECK(got[0].min == -1000.0);
    CHECK(got[0].first == -1000.0);
    CHECK(got[0].last == 1000.0);
    const auto r2 = repo.apply_readings_retention(raw_only(std::chrono::hours(24)), at);
    CHECK(r2.readings_deleted == 2);
    CHECK(r2.hours_rolled_up == 1);
    const auto after = agg(repo, a, t0 + 5 * hour, t0 + 6 * hour, hour);
    REQUIRE(after.size() == 1);
    CHECK(after[0].count == 62);
    CHECK(after[0].min == -1000.0);
    CHECK(after[0].max == 1000.0);
    CHECK(after[0].first == -1000.0);
    CHECK(after[0].last == 1000.0);
    CHECK(after[0].avg == doctest::Approx(got[0].avg));
  }
  SUBCASE("rollup retention drops whole hours older than rollup_age") {
    readings_retention_policy p = raw_only(std::chrono::hours(24));
    p.rollup_age = std::chrono::hours(36);  // cutoff floor_hour(t0 + 12 h 30 min) = t0 + 12 h
    const auto r3 = repo.apply_readings_retention(p, at);
    REQUIRE(r3.rollup_cutoff.has_value());
    CHECK(to_micros(*r3.rollup_cutoff) == t0 + 12 * hour);
    CHECK(r3.rollups_deleted == 12);
    CHECK(raw.scalar("SELECT min(hour) FROM lecturas_hourly") == t0 + 12 * hour);
    const auto left = agg(repo, a, since, until, hour);
    check_same(left, std::vector<agg_bucket>(before_1h.begin() + 12, before_1h.end()));
  }
  SUBCASE("deleting the sensor deletes its rollups") {
    repo.write([&](write_tx& tx) { tx.delete_sensor(a); });
    CHECK(raw.scalar("SELECT count(*) FROM lecturas_hourly") == 0);
  }
}

TEST_CASE("retention runs in bounded batches of whole hours") {
  temp_dir dir;
  const std::string path = (dir.path() / "batch.db").string();
  sqlite_repository repo(sqlite_file_options(path));
  const auto a = seed_sensor(repo);
  const auto b = seed_sensor(repo);
  seed_readings(repo, a, per_minute(t0, t0 + 10 * hour, 3));
  seed_readings(repo, b, per_minute(t0, t0 + 10 * hour, 4));
  const auto before = agg(repo, a, t0, t0 + 10 * hour, hour);
  raw_db raw(path);
  // 120 readings an hour, batch 250: two hours (240 rows) per transaction.
  const auto r = repo.apply_readings_retention(raw_only(std::chrono::hours(2), 250),
                                               from_micros(t0 + 10 * hour));
  CHECK(r.readings_deleted == 8 * 120);
  CHECK(r.hours_rolled_up == 16);
  CHECK(raw.scalar("SELECT count(*) FROM lecturas") == 2 * 120);
  check_same(agg(repo, a, t0, t0 + 10 * hour, hour), before);

  SUBCASE("an hour bigger than the batch still goes, whole") {
    seed_readings(repo, a, per_minute(t0 + 20 * hour, t0 + 21 * hour, 5));
    const auto r2 = repo.apply_readings_retention(raw_only(std::chrono::hours(2), 10),
                                                  from_micros(t0 + 30 * hour));
    CHECK(r2.readings_deleted == 2 * 120 + 60);
    CHECK(raw.scalar("SELECT count(*) FROM lecturas") == 0);
    CHECK(raw.scalar("SELECT sum(count) FROM lecturas_hourly") == 10 * 120 + 60);
  }
}

TEST_CASE("a failure between fold and delete leaves nothing folded: no double count") {
  temp_dir dir;
  const std::string path = (dir.path() / "crash.db").string();
  sqlite_repository repo(sqlite_file_options(path));
  const auto a = seed_sensor(repo);
  seed_readings(repo, a, per_minute(t0, t0 + 6 * hour, 6));
  const auto before = agg(repo, a, t0, t0 + 6 * hour, hour);
  raw_db raw(path);
  // The delete of the third step fails after its fold ran (as a crash would
  // stop it): that step's transaction must leave no rollup behind.
  raw.exec(
      "CREATE TABLE boom(n INTEGER); INSERT INTO boom VALUES (0);"
      "CREATE TRIGGER boom_t BEFORE DELETE ON lecturas BEGIN "
      "UPDATE boom SET n = n + 1; "
      "SELECT RAISE(ABORT, 'simulated crash') WHERE (SELECT n FROM boom) > 120; END;");
  // Batch 60: one hour per step; the third hour's delete aborts.
  CHECK_THROWS_AS(repo.apply_readings_retention(raw_only(std::chrono::hours(1), 60),
                                                from_micros(t0 + 6 * hour)),
                  sensorhub::error);
  CHECK(raw.scalar("SELECT count(*) FROM lecturas_hourly") == 2);
  CHECK(raw.scalar("SELECT sum(count) FROM lecturas_hourly") == 120);
  CHECK(raw.scalar("SELECT count(*) FROM lecturas") == 4 * 60);
  check_same(agg(repo, a, t0, t0 + 6 * hour, hour), before);
  raw.exec("DROP TRIGGER boom_t");
  const auto r = repo.apply_readings_retention(raw_only(std::chrono::hours(1), 60),
                                               from_micros(t0 + 6 * hour));
  CHECK(r.readings_deleted == 3 * 60);
  CHECK(raw.scalar("SELECT sum(count) FROM lecturas_hourly") == 5 * 60);
  check_same(agg(repo, a, t0, t0 + 6 * hour, hour), before);
}

TEST_CASE("hub: a pass that removed something persists one retention_applied on general") {
  temp_dir dir;
  hub_options o;
  o.storage.path = (dir.path() / "hub.db").string();
  o.readings_retention.raw_age = std::chrono::hours(1);
  o.prune_interval = std::chrono::milliseconds(0);  // on demand only
  o.logger = null_log_sink();
  hub h(o);
  const auto a = seed_sensor(h.repo());
  seed_readings(h.repo(), a, {{t0, 1.0}, {t0 + minute, 2.0}});
  const auto before = h.repo().last_seq();
  const auto r = h.apply_readings_retention();
  CHECK(r.readings_deleted == 2);
  event_query q;
  q.since = before;
  const auto evs = h.repo().events(q);
  REQUIRE(evs.size() == 1);
  CHECK(evs[0].chan == channel::general);
  CHECK(evs[0].name == "retention_applied");
  const std::string& json = *evs[0].json;
  CAPTURE(json);
  CHECK(json.find("\"event\":\"retention_applied\"") != std::string::npos);
  CHECK(json.find("\"readings_deleted\":2") != std::string::npos);
  CHECK(json.find("\"hours_rolled_up\":1") != std::string::npos);
  CHECK(json.find("\"rollups_deleted\":0") != std::string::npos);
  CHECK(json.find("\"rollup_cutoff\":null") != std::string::npos);
  // Nothing removed: no event.
  h.apply_readings_retention();
  CHECK(h.repo().events(q).size() == 1);
}

TEST_CASE("agg during a retention pass: every answer counts each reading exactly once") {
  temp_dir dir;
  sqlite_repository repo(sqlite_file_options((dir.path() / "concurrent.db").string()));
  const auto a = seed_sensor(repo);
  seed_readings(repo, a, per_minute(t0, t0 + 48 * hour, 7));
  std::atomic<bool> done{false};
  std::atomic<int> answers{0}, wrong{0};
  std::thread reader([&] {
    while (!done.load() || answers.load() == 0) {
      std::int64_t total = 0;
      for (const auto& b : agg(repo, a, t0, t0 + 48 * hour, hour)) total += b.count;
      if (total != 48 * 60) ++wrong;
      ++answers;
    }
  });
  // One hour per transaction: 47 commits the reader can fall between.
  const auto r = repo.apply_readings_retention(raw_only(std::chrono::hours(1), 60),
                                               from_micros(t0 + 48 * hour));
  done = true;
  reader.join();
  CHECK(r.readings_deleted == 47 * 60);
  CHECK(answers.load() > 0);
  CHECK(wrong.load() == 0);
}

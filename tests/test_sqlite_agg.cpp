// SPDX-License-Identifier: MIT
// sqlite_repository::aggregate_readings and reading_service::aggregate
// (SPEC §13) on a real SQLite file: bucket alignment (before 1970 too),
// since/until cutting a bucket, ties, and the covering index.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <chrono>
#include <string>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/reading_service.hpp"
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

// A sensor with `rows` (timestamp in microseconds, valor); its id.
std::int64_t add_sensor_with(repository& repo,
                             const std::vector<std::pair<long long, double>>& rows) {
  const std::int64_t id = seed_sensor(repo);
  seed_readings(repo, id, rows);
  return id;
}

agg_query query(std::int64_t sensor, long long since, long long until, long long bucket) {
  agg_query q;
  q.sensor_id = sensor;
  q.since = from_micros(since);
  q.until = from_micros(until);
  q.bucket = std::chrono::microseconds(bucket);
  return q;
}

}  // namespace

TEST_CASE("aggregate_readings: floor-aligned buckets, before 1970 too, ties by id") {
  temp_dir dir;
  sqlite_repository repo(sqlite_file_options((dir.path() / "agg.db").string()));
  // -30 s falls in the bucket starting at -60 s, not at 0.
  const auto id = add_sensor_with(repo, {{-30'000'000, 1.0},
                                         {-1, 2.0},
                                         {0, 3.0},
                                         {10, 4.0},
                                         {10, 5.0},  // tie with the row before: last is this one
                                         {minute + 5, 6.0}});
  const auto other = add_sensor_with(repo, {{5, 100.0}});
  (void)other;
  const auto b = repo.aggregate_readings(query(id, -10 * minute, 10 * minute, minute));
  REQUIRE(b.size() == 3);
  CHECK(to_micros(b[0].bucket_start) == -minute);
  CHECK(b[0].count == 2);
  CHECK(b[0].first == 1.0);
  CHECK(b[0].last == 2.0);
  CHECK(to_micros(b[1].bucket_start) == 0);
  CHECK(b[1].count == 3);
  CHECK(b[1].min == 3.0);
  CHECK(b[1].max == 5.0);
  CHECK(b[1].avg == 4.0);
  CHECK(b[1].first == 3.0);
  CHECK(b[1].last == 5.0);
  CHECK(to_micros(b[2].bucket_start) == minute);
  CHECK(b[2].count == 1);

  // since/until cut a bucket: only the rows inside count, the start stays aligned.
  const auto cut = repo.aggregate_readings(query(id, 1, minute + 5, minute));
  REQUIRE(cut.size() == 1);
  CHECK(to_micros(cut[0].bucket_start) == 0);
  CHECK(cut[0].count == 2);
  CHECK(cut[0].first == 4.0);
  CHECK(cut[0].last == 5.0);
}

TEST_CASE("reading_service::aggregate: at most 10,000 buckets, an empty range is empty") {
  temp_dir dir;
  sqlite_repository repo(sqlite_file_options((dir.path() / "agg.db").string()));
  const auto id = add_sensor_with(repo, {{0, 1.0}});
  reading_service svc(repo);
  CHECK(svc.aggregate(query(id, 0, 10'000 * minute, minute)).size() == 1);
  CHECK_THROWS_AS(svc.aggregate(query(id, 0, 10'000 * minute + 1, minute)), validation_error);
  CHECK_THROWS_AS(svc.aggregate(query(id, -1, 10'000 * minute - 1, minute)), validation_error);
  CHECK(svc.aggregate(query(id, 5, 5, minute)).empty());
  CHECK(svc.aggregate(query(id, 5, 0, minute)).empty());
}

TEST_CASE("aggregates read only the covering index (schema migration 5)") {
  temp_dir dir;
  const std::string path = (dir.path() / "agg.db").string();
  { sqlite_repository repo(sqlite_file_options(path)); }
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  REQUIRE(sqlite3_prepare_v2(db,
                             "EXPLAIN QUERY PLAN SELECT count(*), min(valor) FROM lecturas "
                             "WHERE sensor_id = 1 AND ts >= 0 AND ts < 100",
                             -1, &st, nullptr) == SQLITE_OK);
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    plan += "\n";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  CHECK(plan.find("COVERING INDEX lecturas_sensor_ts_valor") != std::string::npos);
}

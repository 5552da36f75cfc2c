// SPDX-License-Identifier: MIT
#include "storage/postgres/pg_retention.hpp"

#include <pqxx/result>
#include <pqxx/transaction>

#include <algorithm>
#include <chrono>
#include <limits>
#include <optional>

#include "storage/postgres/pg_rows.hpp"

// As sqlite_repository.cpp's prune_events and storage/sqlite/sqlite_retention.cpp,
// in bounded transactions of their own (READ COMMITTED: each statement sees
// what other nodes committed before it).
namespace sensorhub::detail {

namespace {

constexpr std::int64_t hour_us = 3'600'000'000LL;

// floor(us / 1 h) * 1 h, also right before 1970.
std::int64_t floor_to_hour(std::int64_t us) noexcept {
  return us - (((us % hour_us) + hour_us) % hour_us);
}

// --- events
// The seq below which events exceed the count limit. $1: max_events.
constexpr const char sql_count_cutoff[] =
    "SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET $1";
// The newest seq older than the age limit. $1: cutoff micros.
constexpr const char sql_age_cutoff[] =
    "SELECT COALESCE(MAX(seq), 0) FROM events WHERE created_at < $1";
// $1: cutoff seq (inclusive), $2: batch size. Oldest first, so the retained
// history stays a contiguous suffix of the log; a node that meets rows
// another node is deleting waits for it and then skips them.
constexpr const char sql_prune_batch[] =
    "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= $1 ORDER BY seq "
    "LIMIT $2)";

// --- readings
// Fold steps of all nodes take turns (pg_advisory_xact_lock key: "sensorhub"
// retention): two nodes folding one hour at once would count it twice.
constexpr const char sql_retention_lock[] = "SELECT pg_advisory_xact_lock(7306086930176390001)";
constexpr const char sql_oldest_ts[] = "SELECT min(ts) FROM lecturas WHERE ts < $1";
// The timestamp `batch` readings after the start of the step (lecturas_ts).
constexpr const char sql_nth_ts[] =
    "SELECT ts FROM lecturas WHERE ts >= $1 AND ts < $2 ORDER BY ts LIMIT 1 OFFSET $3";

// Deletes the readings of [$2, $3) and folds exactly those into one row per
// sensor and hour ($1: one hour), merged with a row already there (a
// reading that arrived late for an hour folded before). first/last are by
// ts, then id; on a tie with the stored row the stored one stays first (it
// was folded earlier). One statement: a reading committed meanwhile is
// either deleted and folded, or neither. Returns (readings, hours).
constexpr const char sql_fold[] = R"sql(
WITH del AS (
  DELETE FROM lecturas WHERE ts >= $2::bigint AND ts < $3::bigint
  RETURNING id, sensor_id, valor, ts),
g AS (
  SELECT sensor_id, ts - (((ts % $1::bigint) + $1::bigint) % $1::bigint) AS h, count(*) AS n,
         min(valor) AS mn, max(valor) AS mx, sum(valor) AS sm, min(ts) AS fts,
         (array_agg(valor ORDER BY ts, id))[1] AS fv, max(ts) AS lts,
         (array_agg(valor ORDER BY ts DESC, id DESC))[1] AS lv
  FROM del GROUP BY sensor_id, h),
ins AS (
  INSERT INTO lecturas_hourly AS o
    (sensor_id, hour, count, min, max, sum, first_ts, first_valor, last_ts, last_valor)
  SELECT sensor_id, h, n, mn, mx, sm, fts, fv, lts, lv FROM g
  ON CONFLICT (sensor_id, hour) DO UPDATE SET
    count = o.count + EXCLUDED.count,
    min = LEAST(o.min, EXCLUDED.min),
    max = GREATEST(o.max, EXCLUDED.max),
    sum = o.sum + EXCLUDED.sum,
    first_valor = CASE WHEN EXCLUDED.first_ts < o.first_ts THEN EXCLUDED.first_valor
                       ELSE o.first_valor END,
    first_ts = LEAST(o.first_ts, EXCLUDED.first_ts),
    last_valor = CASE WHEN EXCLUDED.last_ts >= o.last_ts THEN EXCLUDED.last_valor
                      ELSE o.last_valor END,
    last_ts = GREATEST(o.last_ts, EXCLUDED.last_ts)
  RETURNING 1)
SELECT (SELECT count(*) FROM del), (SELECT count(*) FROM ins)
)sql";

// $1: the last hour to go (its end at or before the cutoff), $2: batch.
constexpr const char sql_prune_rollups[] =
    "DELETE FROM lecturas_hourly WHERE (sensor_id, hour) IN (SELECT sensor_id, hour FROM "
    "lecturas_hourly WHERE hour <= $1 ORDER BY hour LIMIT $2)";

struct fold_result {
  std::uint64_t readings = 0;
  std::uint64_t hours = 0;
};

// One transaction: folds the readings of the oldest whole hours before
// `cutoff` (a multiple of 1 h), about `batch` readings and at least one
// whole hour, and deletes them. Zeros when no reading before `cutoff` is left.
fold_result fold_step(pqxx::connection& c, std::int64_t cutoff, std::size_t batch) {
  pqxx::work tx(c);
  tx.exec(sql_retention_lock);
  fold_result out;
  const pqxx::row oldest = tx.exec_params1(sql_oldest_ts, cutoff);
  if (oldest[0].is_null()) return out;  // nothing older than the cutoff; rolls back
  const std::int64_t from = floor_to_hour(oldest[0].as<std::int64_t>());
  // Whole hours only: up to the hour of the batch-th reading, at least one.
  std::int64_t to = cutoff;
  const pqxx::result nth =
      tx.exec_params(sql_nth_ts, from, cutoff, pg_count(std::max<std::size_t>(batch, 1)));
  if (!nth.empty()) to = std::max(from + hour_us, floor_to_hour(nth[0][0].as<std::int64_t>()));
  const pqxx::row n = tx.exec_params1(sql_fold, hour_us, from, to);
  out.readings = static_cast<std::uint64_t>(n[0].as<std::int64_t>());
  out.hours = static_cast<std::uint64_t>(n[1].as<std::int64_t>());
  tx.commit();
  return out;
}

std::uint64_t prune_rollups_step(pqxx::connection& c, std::int64_t cutoff, std::size_t batch) {
  pqxx::work tx(c);
  tx.exec(sql_retention_lock);
  // The hour [h, h + 1 h) ends at or before cutoff.
  const pqxx::result r = tx.exec_params0(sql_prune_rollups, cutoff - hour_us,
                                         pg_count(std::max<std::size_t>(batch, 1)));
  tx.commit();
  return static_cast<std::uint64_t>(r.affected_rows());
}

std::uint64_t prune_cutoff(pqxx::connection& c, const retention_policy& policy) {
  pqxx::read_transaction tx(c);
  std::uint64_t by_count = 0;
  if (policy.max_events > 0) {
    const pqxx::result r = tx.exec_params(
        sql_count_cutoff, static_cast<std::int64_t>(std::min<std::uint64_t>(
                              policy.max_events, std::numeric_limits<std::int64_t>::max())));
    if (!r.empty()) by_count = static_cast<std::uint64_t>(r[0][0].as<std::int64_t>());
  }
  std::uint64_t by_age = 0;
  if (policy.max_age.count() > 0) {
    const timestamp limit =
        now() - std::chrono::duration_cast<std::chrono::microseconds>(policy.max_age);
    const pqxx::row r = tx.exec_params1(sql_age_cutoff, pg_micros(limit));
    by_age = static_cast<std::uint64_t>(r[0].as<std::int64_t>());
  }
  tx.commit();
  return std::max(by_count, by_age);
}

}  // namespace

std::uint64_t pg_prune_events(pqxx::connection& c, const retention_policy& policy) {
  if (policy.max_events == 0 && policy.max_age.count() <= 0) return 0;
  // Everything up to `cutoff` goes: the retained history stays a contiguous
  // suffix of the log, so oldest_seq() tells a resuming client what it missed.
  const std::uint64_t cutoff = prune_cutoff(c, policy);
  if (cutoff == 0) return 0;
  const std::size_t batch = policy.batch == 0 ? retention_policy{}.batch : policy.batch;
  std::uint64_t total = 0;
  for (;;) {  // one transaction per batch, so writers get in between
    pqxx::work tx(c);
    const pqxx::result r =
        tx.exec_params0(sql_prune_batch, static_cast<std::int64_t>(cutoff), pg_count(batch));
    tx.commit();
    const auto n = static_cast<std::uint64_t>(r.affected_rows());
    total += n;
    if (n < batch) break;
  }
  return total;
}

readings_retention_result pg_apply_readings_retention(pqxx::connection& c,
                                                      const readings_retention_policy& policy,
                                                      timestamp at) {
  readings_retention_result out;
  const std::size_t batch = policy.batch == 0 ? readings_retention_policy{}.batch : policy.batch;
  const std::int64_t now_us = pg_micros(at);
  if (policy.raw_age.count() > 0) {
    // Whole hours only: a reading goes once its whole hour is older than raw_age.
    const std::int64_t cutoff = floor_to_hour(
        now_us - std::chrono::duration_cast<std::chrono::microseconds>(policy.raw_age).count());
    out.raw_cutoff = from_micros(cutoff);
    for (;;) {
      const fold_result s = fold_step(c, cutoff, batch);
      out.readings_deleted += s.readings;
      out.hours_rolled_up += s.hours;
      if (s.readings == 0) break;
    }
  }
  if (policy.rollup_age.count() > 0) {
    const std::int64_t cutoff = floor_to_hour(
        now_us - std::chrono::duration_cast<std::chrono::microseconds>(policy.rollup_age).count());
    out.rollup_cutoff = from_micros(cutoff);
    for (;;) {
      const std::uint64_t n = prune_rollups_step(c, cutoff, batch);
      out.rollups_deleted += n;
      if (n < batch) break;
    }
  }
  return out;
}

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#include "storage/sqlite/sqlite_agg.hpp"

#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>

#include "storage/agg_merge.hpp"

namespace sensorhub::detail {

namespace {

// One pass over the index lecturas(sensor_id, ts, id, valor) for count, min,
// max and avg per bucket; first and last are one index seek per bucket.
// The bucket start is floor(ts / B) * B (also right for times before 1970).
// Bounds are clipped to [since, until) so first/last match the filter.
constexpr const char sql_agg[] = R"sql(
WITH g AS (
  SELECT ts - (((ts % :b) + :b) % :b) AS bs, count(*) AS n, min(valor) AS mn,
         max(valor) AS mx, avg(valor) AS av, sum(valor) AS sm, min(ts) AS fts, max(ts) AS lts
  FROM lecturas INDEXED BY lecturas_sensor_ts_valor
  WHERE sensor_id = :s AND ts >= :since AND ts < :until
  GROUP BY bs)
SELECT bs, n, mn, mx, av,
  (SELECT valor FROM lecturas INDEXED BY lecturas_sensor_ts_valor
   WHERE sensor_id = :s AND ts >= max(bs, :since) AND ts < min(bs + :b, :until)
   ORDER BY ts, id LIMIT 1),
  (SELECT valor FROM lecturas INDEXED BY lecturas_sensor_ts_valor
   WHERE sensor_id = :s AND ts >= max(bs, :since) AND ts < min(bs + :b, :until)
   ORDER BY ts DESC, id DESC LIMIT 1),
  sm, fts, lts
FROM g ORDER BY bs
)sql";

// Hourly rollups of readings already deleted by retention (schema 8), for
// hours starting in [since, until). Ascending hour.
constexpr const char sql_rollups[] = R"sql(
SELECT hour, count, min, max, sum, first_ts, first_valor, last_ts, last_valor
FROM lecturas_hourly WHERE sensor_id = :s AND hour >= :since AND hour < :until ORDER BY hour
)sql";

// Buckets of whole hours also count the rollups (SPEC §13): raw readings
// where they exist, rollups where they were deleted. A reading is either raw
// or folded, never both, so the two sum without overlap.
void add_rollups(sqlite_connection& c, const agg_query& q,
                 std::map<std::int64_t, agg_acc>& buckets) {
  const std::int64_t b = q.bucket.count();
  auto st = c.prepare(sql_rollups);
  st->bind(":s", q.sensor_id);
  st->bind(":since", static_cast<std::int64_t>(to_micros(q.since)));
  st->bind(":until", static_cast<std::int64_t>(to_micros(q.until)));
  while (st->executeStep()) {
    const std::int64_t hour = st->getColumn(0).getInt64();
    agg_acc x;
    x.rolled = true;
    x.b.bucket_start = from_micros(hour - (((hour % b) + b) % b));
    x.b.count = st->getColumn(1).getInt64();
    x.b.min = st->getColumn(2).getDouble();
    x.b.max = st->getColumn(3).getDouble();
    x.sum = st->getColumn(4).getDouble();
    x.first_ts = st->getColumn(5).getInt64();
    x.b.first = st->getColumn(6).getDouble();
    x.last_ts = st->getColumn(7).getInt64();
    x.b.last = st->getColumn(8).getDouble();
    merge_agg(buckets[to_micros(x.b.bucket_start)], x);
  }
}

}  // namespace

std::vector<agg_bucket> sqlite_aggregate_readings(sqlite_connection& c, const agg_query& q) {
  std::vector<agg_bucket> out;
  std::map<std::int64_t, agg_acc> buckets;
  const bool whole_hours = q.bucket.count() % micros_per_hour == 0;
  // Raw readings and rollups read in one snapshot: a retention step that
  // commits in between would otherwise count its hour twice or not at all.
  std::optional<SQLite::Transaction> snapshot;
  if (whole_hours) snapshot.emplace(c.db(), SQLite::TransactionBehavior::DEFERRED);
  auto st = c.prepare(sql_agg);
  st->bind(":b", static_cast<std::int64_t>(q.bucket.count()));
  st->bind(":s", q.sensor_id);
  st->bind(":since", static_cast<std::int64_t>(to_micros(q.since)));
  st->bind(":until", static_cast<std::int64_t>(to_micros(q.until)));
  while (st->executeStep()) {
    agg_acc x;
    x.b.bucket_start = from_micros(st->getColumn(0).getInt64());
    x.b.count = st->getColumn(1).getInt64();
    x.b.min = st->getColumn(2).getDouble();
    x.b.max = st->getColumn(3).getDouble();
    x.b.avg = st->getColumn(4).getDouble();
    x.b.first = st->getColumn(5).getDouble();
    x.b.last = st->getColumn(6).getDouble();
    if (!whole_hours) {
      out.push_back(x.b);
      continue;
    }
    x.sum = st->getColumn(7).getDouble();
    x.first_ts = st->getColumn(8).getInt64();
    x.last_ts = st->getColumn(9).getInt64();
    buckets[to_micros(x.b.bucket_start)] = x;
  }
  if (!whole_hours) return out;  // sub-hour buckets: raw readings only
  add_rollups(c, q, buckets);
  snapshot->commit();
  return finish_agg(buckets);
}

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#include "storage/sqlite/sqlite_retention.hpp"

#include <SQLiteCpp/Transaction.h>

#include <algorithm>

#include "storage/sqlite/sqlite_rows.hpp"

namespace sensorhub::detail {

namespace {

constexpr const char sql_oldest_ts[] = "SELECT min(ts) FROM lecturas WHERE ts < ?";
// The timestamp `batch` readings after the start of the step (lecturas_ts).
constexpr const char sql_nth_ts[] =
    "SELECT ts FROM lecturas WHERE ts >= ? AND ts < ? ORDER BY ts LIMIT 1 OFFSET ?";

// Folds the readings of [:from, :to) into one row per sensor and hour,
// merged with a row already there (a reading that arrived late for an hour
// folded before). first/last are by ts, then id; on a tie with the stored
// row the stored one stays first (it was folded earlier).
constexpr const char sql_fold[] = R"sql(
INSERT INTO lecturas_hourly
  (sensor_id, hour, count, min, max, sum, first_ts, first_valor, last_ts, last_valor)
SELECT sensor_id, h, n, mn, mx, sm, fts,
  (SELECT valor FROM lecturas INDEXED BY lecturas_sensor_ts_valor
   WHERE sensor_id = g.sensor_id AND ts >= g.h AND ts < g.h + :hour ORDER BY ts, id LIMIT 1),
  lts,
  (SELECT valor FROM lecturas INDEXED BY lecturas_sensor_ts_valor
   WHERE sensor_id = g.sensor_id AND ts >= g.h AND ts < g.h + :hour
   ORDER BY ts DESC, id DESC LIMIT 1)
FROM (SELECT sensor_id, ts - (((ts % :hour) + :hour) % :hour) AS h, count(*) AS n,
             min(valor) AS mn, max(valor) AS mx, sum(valor) AS sm, min(ts) AS fts, max(ts) AS lts
      FROM lecturas WHERE ts >= :from AND ts < :to GROUP BY sensor_id, h) AS g
WHERE true
ON CONFLICT (sensor_id, hour) DO UPDATE SET
  count = count + excluded.count,
  min = min(min, excluded.min),
  max = max(max, excluded.max),
  sum = sum + excluded.sum,
  first_valor = CASE WHEN excluded.first_ts < first_ts THEN excluded.first_valor
                     ELSE first_valor END,
  first_ts = min(first_ts, excluded.first_ts),
  last_valor = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last_valor
                    ELSE last_valor END,
  last_ts = max(last_ts, excluded.last_ts)
)sql";

constexpr const char sql_delete_range[] = "DELETE FROM lecturas WHERE ts >= ? AND ts < ?";

constexpr const char sql_prune_rollups[] =
    "DELETE FROM lecturas_hourly WHERE (sensor_id, hour) IN (SELECT sensor_id, hour FROM "
    "lecturas_hourly WHERE hour <= ? ORDER BY hour LIMIT ?)";

}  // namespace

fold_step sqlite_fold_step(sqlite_connection& c, std::int64_t cutoff, std::size_t batch) {
  SQLite::Transaction tx(c.db(), SQLite::TransactionBehavior::IMMEDIATE);
  fold_step out;
  std::int64_t from = 0;
  {
    auto st = c.prepare(sql_oldest_ts);
    st->bind(1, cutoff);
    if (!st->executeStep() || st->getColumn(0).isNull()) {
      return out;  // nothing older than the cutoff; rolls back harmlessly
    }
    from = floor_hour(st->getColumn(0).getInt64());
  }
  // Whole hours only: up to the hour of the batch-th reading, at least one.
  std::int64_t to = cutoff;
  {
    auto st = c.prepare(sql_nth_ts);
    st->bind(1, from);
    st->bind(2, cutoff);
    st->bind(3, to_sql_count(std::max<std::size_t>(batch, 1)));
    if (st->executeStep()) {
      to = std::max(from + micros_per_hour, floor_hour(st->getColumn(0).getInt64()));
    }
  }
  {
    auto st = c.prepare(sql_fold);
    st->bind(":hour", micros_per_hour);
    st->bind(":from", from);
    st->bind(":to", to);
    const int n = st->exec();
    out.hours = n < 0 ? 0 : static_cast<std::uint64_t>(n);
  }
  {
    auto st = c.prepare(sql_delete_range);
    st->bind(1, from);
    st->bind(2, to);
    const int n = st->exec();
    out.readings = n < 0 ? 0 : static_cast<std::uint64_t>(n);
  }
  tx.commit();
  return out;
}

std::uint64_t sqlite_prune_rollups_step(sqlite_connection& c, std::int64_t cutoff,
                                        std::size_t batch) {
  SQLite::Transaction tx(c.db(), SQLite::TransactionBehavior::IMMEDIATE);
  auto st = c.prepare(sql_prune_rollups);
  st->bind(1, cutoff - micros_per_hour);  // the hour [h, h + 1 h) ends at or before cutoff
  st->bind(2, to_sql_count(std::max<std::size_t>(batch, 1)));
  const int n = st->exec();
  tx.commit();
  return n < 0 ? 0 : static_cast<std::uint64_t>(n);
}

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#include "storage/sqlite/sqlite_agg.hpp"

#include <cstdint>

namespace sensorhub::detail {

namespace {

// One pass over the index lecturas(sensor_id, ts, id, valor) for count, min,
// max and avg per bucket; first and last are one index seek per bucket.
// The bucket start is floor(ts / B) * B (also right for times before 1970).
// Bounds are clipped to [since, until) so first/last match the filter.
constexpr const char sql_agg[] = R"sql(
WITH g AS (
  SELECT ts - (((ts % :b) + :b) % :b) AS bs, count(*) AS n, min(valor) AS mn,
         max(valor) AS mx, avg(valor) AS av
  FROM lecturas INDEXED BY lecturas_sensor_ts_valor
  WHERE sensor_id = :s AND ts >= :since AND ts < :until
  GROUP BY bs)
SELECT bs, n, mn, mx, av,
  (SELECT valor FROM lecturas INDEXED BY lecturas_sensor_ts_valor
   WHERE sensor_id = :s AND ts >= max(bs, :since) AND ts < min(bs + :b, :until)
   ORDER BY ts, id LIMIT 1),
  (SELECT valor FROM lecturas INDEXED BY lecturas_sensor_ts_valor
   WHERE sensor_id = :s AND ts >= max(bs, :since) AND ts < min(bs + :b, :until)
   ORDER BY ts DESC, id DESC LIMIT 1)
FROM g ORDER BY bs
)sql";

}  // namespace

std::vector<agg_bucket> sqlite_aggregate_readings(sqlite_connection& c, const agg_query& q) {
  std::vector<agg_bucket> out;
  auto st = c.prepare(sql_agg);
  st->bind(":b", static_cast<std::int64_t>(q.bucket.count()));
  st->bind(":s", q.sensor_id);
  st->bind(":since", static_cast<std::int64_t>(to_micros(q.since)));
  st->bind(":until", static_cast<std::int64_t>(to_micros(q.until)));
  while (st->executeStep()) {
    agg_bucket b;
    b.bucket_start = from_micros(st->getColumn(0).getInt64());
    b.count = st->getColumn(1).getInt64();
    b.min = st->getColumn(2).getDouble();
    b.max = st->getColumn(3).getDouble();
    b.avg = st->getColumn(4).getDouble();
    b.first = st->getColumn(5).getDouble();
    b.last = st->getColumn(6).getDouble();
    out.push_back(b);
  }
  return out;
}

}  // namespace sensorhub::detail

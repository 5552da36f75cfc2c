// SPDX-License-Identifier: MIT
#include "storage/postgres/pg_agg.hpp"

#include <pqxx/result>

#include <algorithm>
#include <cstdint>
#include <map>

#include "storage/agg_merge.hpp"
#include "storage/postgres/pg_rows.hpp"

namespace sensorhub::detail {

namespace {

// As storage/sqlite/sqlite_agg.cpp: count, min, max and avg per bucket over
// lecturas(sensor_id, ts, id) INCLUDE (valor); first and last are one index
// seek per bucket. The bucket start is floor(ts / B) * B (also right before
// 1970). Bounds are clipped to [since, until) so first/last match the
// filter. Parameters: $1 bucket, $2 sensor, $3 since, $4 until.
#define PG_AGG_RAW                                                                        \
  "g AS ("                                                                                \
  "  SELECT ts - (((ts % $1::bigint) + $1::bigint) % $1::bigint) AS bs, count(*) AS n,"   \
  "         min(valor) AS mn, max(valor) AS mx, avg(valor) AS av, sum(valor) AS sm,"      \
  "         min(ts) AS fts, max(ts) AS lts"                                               \
  "  FROM lecturas WHERE sensor_id = $2 AND ts >= $3::bigint AND ts < $4::bigint"         \
  "  GROUP BY bs) "                                                                       \
  "SELECT 0 AS kind, bs, n, mn, mx, av,"                                                  \
  "  (SELECT valor FROM lecturas WHERE sensor_id = $2 AND ts >= GREATEST(bs, $3::bigint)" \
  "   AND ts < LEAST(bs + $1::bigint, $4::bigint) ORDER BY ts, id LIMIT 1),"              \
  "  (SELECT valor FROM lecturas WHERE sensor_id = $2 AND ts >= GREATEST(bs, $3::bigint)" \
  "   AND ts < LEAST(bs + $1::bigint, $4::bigint) ORDER BY ts DESC, id DESC LIMIT 1),"    \
  "  sm, fts, lts FROM g"

constexpr const char sql_agg[] = "WITH " PG_AGG_RAW " ORDER BY bs";

// Buckets of whole hours also read the hourly rollups of readings already
// deleted by retention (hours starting in [since, until)). One statement, so
// one snapshot even under READ COMMITTED: a retention step that commits in
// between cannot count its hour twice or not at all. kind 0: raw, 1: rollup.
constexpr const char sql_agg_with_rollups[] =
    "WITH " PG_AGG_RAW
    " UNION ALL "
    "SELECT 1, hour - (((hour % $1::bigint) + $1::bigint) % $1::bigint), count, min, max, "
    "0::double precision, first_valor, last_valor, sum, first_ts, last_ts "
    "FROM lecturas_hourly WHERE sensor_id = $2 AND hour >= $3::bigint AND hour < $4::bigint "
    "ORDER BY 1, 2";

#undef PG_AGG_RAW

agg_acc read_acc(const pqxx::row& r) {
  agg_acc x;
  x.rolled = r[0].as<int>() == 1;
  x.b.bucket_start = pg_time(r[1]);
  x.b.count = r[2].as<std::int64_t>();
  x.b.min = r[3].as<double>();
  x.b.max = r[4].as<double>();
  x.b.avg = r[5].as<double>();
  x.b.first = r[6].as<double>();
  x.b.last = r[7].as<double>();
  x.sum = r[8].as<double>();
  x.first_ts = r[9].as<std::int64_t>();
  x.last_ts = r[10].as<std::int64_t>();
  return x;
}

}  // namespace

std::vector<agg_bucket> pg_aggregate_readings(pqxx::transaction_base& tx, const agg_query& q) {
  const std::int64_t b = q.bucket.count();
  const bool whole_hours = b % micros_per_hour == 0;
  const pqxx::result r = tx.exec_params(whole_hours ? sql_agg_with_rollups : sql_agg, b,
                                        q.sensor_id, pg_micros(q.since), pg_micros(q.until));
  std::vector<agg_bucket> out;
  if (!whole_hours) {  // sub-hour buckets: raw readings only
    out.reserve(r.size());
    for (const auto& row : r) out.push_back(read_acc(row).b);
    return out;
  }
  // Raw rows come first: a bucket with raw readings starts from them.
  std::map<std::int64_t, agg_acc> buckets;
  for (const auto& row : r) {
    const agg_acc x = read_acc(row);
    merge_agg(buckets[pg_micros(x.b.bucket_start)], x);
  }
  return finish_agg(buckets);
}

}  // namespace sensorhub::detail

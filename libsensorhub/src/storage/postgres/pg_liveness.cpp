// SPDX-License-Identifier: MIT
#include "storage/postgres/pg_liveness.hpp"

#include <pqxx/result>

#include <string>
#include <utility>

#include "storage/postgres/pg_rows.hpp"

namespace sensorhub::detail {

namespace {

// The newest ts per sensor is one seek on lecturas(sensor_id, ts, ...).
constexpr const char sql_liveness[] = R"sql(
SELECT s.id, s.tipo,
  (SELECT l.ts FROM lecturas l WHERE l.sensor_id = s.id ORDER BY l.ts DESC LIMIT 1),
  coalesce(v.stale, false)
FROM sensors s LEFT JOIN sensor_liveness v ON v.sensor_id = s.id
ORDER BY s.id
)sql";

// One statement: inserts or flips the flag only when it differs, so of
// several nodes making the same transition one changes a row (the others
// wait for its row lock, then find the flag already set). The sensor is
// locked FOR KEY SHARE: one that is gone (or deleted meanwhile) gives no row
// to insert, never a foreign key error.
constexpr const char sql_set_stale[] = R"sql(
INSERT INTO sensor_liveness(sensor_id, stale)
  SELECT id, $2::boolean FROM sensors WHERE id = $1::bigint FOR KEY SHARE
  ON CONFLICT (sensor_id) DO UPDATE SET stale = EXCLUDED.stale
  WHERE sensor_liveness.stale <> EXCLUDED.stale
)sql";

}  // namespace

std::vector<liveness_row> pg_liveness(pqxx::transaction_base& tx) {
  const pqxx::result r = tx.exec(sql_liveness);
  std::vector<liveness_row> out;
  out.reserve(r.size());
  for (const auto& row : r) {
    liveness_row l;
    l.sensor_id = row[0].as<std::int64_t>();
    l.tipo = row[1].as<std::string>();
    if (!row[2].is_null()) l.last_reading_at = pg_time(row[2]);
    l.stale = row[3].as<bool>();
    out.push_back(std::move(l));
  }
  return out;
}

bool pg_set_stale(pqxx::transaction_base& tx, std::int64_t sensor_id, bool stale) {
  return tx.exec_params(sql_set_stale, sensor_id, stale).affected_rows() > 0;
}

}  // namespace sensorhub::detail

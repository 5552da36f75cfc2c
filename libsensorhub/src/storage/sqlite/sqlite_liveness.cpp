// SPDX-License-Identifier: MIT
#include "storage/sqlite/sqlite_liveness.hpp"

namespace sensorhub::detail {

namespace {

// The newest ts per sensor is one seek on lecturas(sensor_id, ts, ...).
constexpr const char sql_liveness[] = R"sql(
SELECT s.id, s.tipo,
  (SELECT l.ts FROM lecturas l WHERE l.sensor_id = s.id ORDER BY l.ts DESC LIMIT 1),
  coalesce(v.stale, 0)
FROM sensors s LEFT JOIN sensor_liveness v ON v.sensor_id = s.id
ORDER BY s.id
)sql";

// Inserts or flips the flag only when it differs (changes() is then 1), and
// never for a sensor that is gone (the foreign key would fail the write).
constexpr const char sql_set_stale[] = R"sql(
INSERT INTO sensor_liveness(sensor_id, stale)
  SELECT :id, :stale WHERE EXISTS (SELECT 1 FROM sensors WHERE id = :id)
  ON CONFLICT(sensor_id) DO UPDATE SET stale = excluded.stale WHERE stale <> excluded.stale
)sql";

}  // namespace

std::vector<liveness_row> sqlite_liveness(sqlite_connection& c) {
  std::vector<liveness_row> out;
  auto st = c.prepare(sql_liveness);
  while (st->executeStep()) {
    liveness_row r;
    r.sensor_id = st->getColumn(0).getInt64();
    r.tipo = st->getColumn(1).getString();
    if (!st->getColumn(2).isNull()) r.last_reading_at = from_micros(st->getColumn(2).getInt64());
    r.stale = st->getColumn(3).getInt() != 0;
    out.push_back(std::move(r));
  }
  return out;
}

bool sqlite_set_stale(sqlite_connection& c, std::int64_t sensor_id, bool stale) {
  auto st = c.prepare(sql_set_stale);
  st->bind(":id", sensor_id);
  st->bind(":stale", stale ? 1 : 0);
  return st->exec() > 0;
}

}  // namespace sensorhub::detail

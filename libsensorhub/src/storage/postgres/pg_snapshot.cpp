// SPDX-License-Identifier: MIT
#include "storage/postgres/pg_snapshot.hpp"

#include <pqxx/result>

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "sensorhub/codec.hpp"
#include "storage/postgres/pg_rows.hpp"

// The same state as storage/sqlite/sqlite_snapshot.cpp, in one statement per
// channel: the sensor filter (ids, tipos, scope) is applied in SQL.
namespace sensorhub::detail {

namespace {

// Sensors by id list ($1, NULL: any), tipo list ($2, NULL: any) and the
// scope ($3 ids, $4 tipos, $5 ubis), ascending id.
#define PG_SENSOR_FILTER(alias)         \
  "($1::bigint[] IS NULL OR " alias     \
  "id = ANY($1::bigint[])) "            \
  "AND ($2::text[] IS NULL OR " alias   \
  "tipo = ANY($2::text[])) "            \
  "AND ($3::bigint[] IS NULL OR " alias \
  "id = ANY($3::bigint[])) "            \
  "AND ($4::text[] IS NULL OR " alias   \
  "tipo = ANY($4::text[])) "            \
  "AND ($5::text[] IS NULL OR " alias "ubicacion = ANY($5::text[]))"

constexpr const char sql_sensors[] =
    "SELECT id, tipo, modelo, ubicacion, activo, created_at, updated_at FROM sensors "
    "WHERE " PG_SENSOR_FILTER("") " ORDER BY id";

// The latest reading (by ts, then id) of each matching sensor, ascending
// sensor id; sensors without a reading have no row.
constexpr const char sql_latest_per_sensor[] =
    "SELECT l.id, l.sensor_id, l.valor, l.unidad, l.ts, l.created_at, l.updated_at "
    "FROM sensors s CROSS JOIN LATERAL (SELECT id, sensor_id, valor, unidad, ts, created_at, "
    "updated_at FROM lecturas WHERE sensor_id = s.id ORDER BY ts DESC, id DESC LIMIT 1) l "
    "WHERE " PG_SENSOR_FILTER("s.") " ORDER BY s.id";

// Only the listed readings ($6) count: the latest of them per matching
// sensor, ascending sensor id.
constexpr const char sql_latest_of_listed[] =
    "SELECT DISTINCT ON (l.sensor_id) l.id, l.sensor_id, l.valor, l.unidad, l.ts, "
    "l.created_at, l.updated_at FROM lecturas l JOIN sensors s ON s.id = l.sensor_id "
    "WHERE l.id = ANY($6::bigint[]) AND " PG_SENSOR_FILTER(
        "s.") " ORDER BY l.sensor_id, l.ts DESC, l.id DESC";

#undef PG_SENSOR_FILTER

std::vector<std::int64_t> sorted_unique(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

// The id set both lists allow: nullopt when neither restricts (may be empty).
std::optional<std::vector<std::int64_t>> allowed_ids(const std::vector<std::int64_t>& a,
                                                     const std::vector<std::int64_t>& b) {
  if (a.empty() && b.empty()) return std::nullopt;
  if (a.empty()) return sorted_unique(b);
  if (b.empty()) return sorted_unique(a);
  const auto sa = sorted_unique(a);
  const auto sb = sorted_unique(b);
  std::vector<std::int64_t> both;
  std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(both));
  return both;
}

std::vector<sensor> matching_sensors(pqxx::transaction_base& tx,
                                     const std::optional<std::vector<std::int64_t>>& ids,
                                     const event_filter& f, const data_scope& scope) {
  std::vector<sensor> out;
  if (ids && ids->empty()) return out;  // the id lists exclude each other
  const pqxx::result r = tx.exec_params(sql_sensors, ids ? pg_id_array(*ids) : std::nullopt,
                                        pg_text_array(f.tipo), pg_id_array(scope.sensor_id),
                                        pg_text_array(scope.tipo), pg_text_array(scope.ubicacion));
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(pg_read_sensor(row));
  return out;
}

std::vector<reading> latest_readings(pqxx::transaction_base& tx, const event_filter& f,
                                     const data_scope& scope) {
  const auto ids = pg_id_array(f.sensor_id);
  const auto tipos = pg_text_array(f.tipo);
  const auto s_ids = pg_id_array(scope.sensor_id);
  const auto s_tipos = pg_text_array(scope.tipo);
  const auto s_ubis = pg_text_array(scope.ubicacion);
  const pqxx::result r =
      f.entity_id.empty()
          ? tx.exec_params(sql_latest_per_sensor, ids, tipos, s_ids, s_tipos, s_ubis)
          : tx.exec_params(sql_latest_of_listed, ids, tipos, s_ids, s_tipos, s_ubis,
                           pg_id_array(f.entity_id));
  std::vector<reading> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(pg_read_reading(row));
  return out;
}

std::string read_state(pqxx::transaction_base& tx, channel c, const event_filter& f,
                       const data_scope& scope) {
  switch (c) {
    case channel::sensors:
      return to_json(matching_sensors(tx, allowed_ids(f.entity_id, f.sensor_id), f, scope));
    case channel::readings:
      return to_json(latest_readings(tx, f, scope));
    case channel::general:
      break;
  }
  return "[]";
}

}  // namespace

state_snapshot pg_snapshot(pqxx::transaction_base& tx, channel c, const event_filter& f,
                           const data_scope& scope) {
  state_snapshot out;
  const pqxx::row seq = tx.exec1("SELECT last_seq FROM event_counter WHERE id = 1");
  out.seq = static_cast<std::uint64_t>(seq[0].as<std::int64_t>());
  out.data_json = read_state(tx, c, f, scope);
  return out;
}

}  // namespace sensorhub::detail

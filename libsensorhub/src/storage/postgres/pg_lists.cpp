// SPDX-License-Identifier: MIT
#include "storage/postgres/pg_lists.hpp"

#include <pqxx/result>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include "storage/postgres/pg_rows.hpp"

namespace sensorhub::detail {

namespace {

// The scope's three lists as bigint[] / text[] parameters, NULL for an empty
// list (no restriction); a NULL ubicacion is in no list (= ANY gives NULL).
// This is the SQL mirror of data_scope::contains, as in sqlite_rows.hpp.
// Parameters: $1 tipo (NULL: any), $2 ids, $3 tipos, $4 ubis, $5 limit,
// $6 offset.
constexpr const char sql_list_sensors[] =
    "SELECT id, tipo, modelo, ubicacion, activo, created_at, updated_at FROM sensors "
    "WHERE ($1::text IS NULL OR tipo = $1::text) "
    "AND ($2::bigint[] IS NULL OR id = ANY($2::bigint[])) "
    "AND ($3::text[] IS NULL OR tipo = ANY($3::text[])) "
    "AND ($4::text[] IS NULL OR ubicacion = ANY($4::text[])) "
    "ORDER BY id LIMIT $5 OFFSET $6";

// Parameters: $1 sensor (NULL: any), $2 since (inclusive), $3 until
// (exclusive), $4 limit, $5 offset.
constexpr const char sql_list_readings[] =
    "SELECT id, sensor_id, valor, unidad, ts, created_at, updated_at FROM lecturas "
    "WHERE ($1::bigint IS NULL OR sensor_id = $1::bigint) AND ts >= $2 AND ts < $3 "
    "ORDER BY ts DESC, id DESC LIMIT $4 OFFSET $5";

// As above, plus $6 ids, $7 tipos, $8 ubis of the scope.
constexpr const char sql_list_readings_scoped[] =
    "SELECT id, sensor_id, valor, unidad, ts, created_at, updated_at FROM lecturas "
    "WHERE ($1::bigint IS NULL OR sensor_id = $1::bigint) AND ts >= $2 AND ts < $3 "
    "AND sensor_id IN (SELECT id FROM sensors "
    "WHERE ($6::bigint[] IS NULL OR id = ANY($6::bigint[])) "
    "AND ($7::text[] IS NULL OR tipo = ANY($7::text[])) "
    "AND ($8::text[] IS NULL OR ubicacion = ANY($8::text[]))) "
    "ORDER BY ts DESC, id DESC LIMIT $4 OFFSET $5";

}  // namespace

std::vector<sensor> pg_list_sensors(pqxx::transaction_base& tx, const sensor_query& q,
                                    const data_scope& scope) {
  const pqxx::result r = tx.exec_params(sql_list_sensors, q.tipo, pg_id_array(scope.sensor_id),
                                        pg_text_array(scope.tipo), pg_text_array(scope.ubicacion),
                                        pg_count(q.limit), pg_count(q.offset));
  std::vector<sensor> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(pg_read_sensor(row));
  return out;
}

std::vector<reading> pg_list_readings(pqxx::transaction_base& tx, const reading_query& q,
                                      const data_scope& scope) {
  const std::int64_t since =
      q.since ? pg_micros(*q.since) : std::numeric_limits<std::int64_t>::min();
  const std::int64_t until =
      q.until ? pg_micros(*q.until) : std::numeric_limits<std::int64_t>::max();
  const std::optional<std::int64_t> sensor_id = q.sensor_id;
  const pqxx::result r =
      scope.unrestricted()
          ? tx.exec_params(sql_list_readings, sensor_id, since, until, pg_count(q.limit),
                           pg_count(q.offset))
          : tx.exec_params(sql_list_readings_scoped, sensor_id, since, until, pg_count(q.limit),
                           pg_count(q.offset), pg_id_array(scope.sensor_id),
                           pg_text_array(scope.tipo), pg_text_array(scope.ubicacion));
  std::vector<reading> out;
  out.reserve(r.size());
  for (const auto& row : r) out.push_back(pg_read_reading(row));
  return out;
}

}  // namespace sensorhub::detail

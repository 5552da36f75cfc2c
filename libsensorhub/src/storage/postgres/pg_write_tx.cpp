// SPDX-License-Identifier: MIT
#include "storage/postgres/pg_write_tx.hpp"

#include <string>
#include <utility>

#include "sensorhub/error.hpp"
#include "storage/postgres/pg_idempotency.hpp"
#include "storage/postgres/pg_liveness.hpp"
#include "storage/postgres/pg_rows.hpp"

namespace sensorhub::detail {

namespace {

std::string not_found_text(const char* what, std::int64_t id) {
  return std::string(what) + " " + std::to_string(id) + " not found";
}

const std::string& sql_find_sensor() {
  static const std::string sql =
      std::string("SELECT ") + pg_sensor_columns + " FROM sensors WHERE id = $1";
  return sql;
}

const std::string& sql_find_reading() {
  static const std::string sql =
      std::string("SELECT ") + pg_reading_columns + " FROM lecturas WHERE id = $1";
  return sql;
}

}  // namespace

std::optional<sensor> pg_find_sensor(pqxx::transaction_base& tx, std::int64_t id) {
  const pqxx::result r = tx.exec_params(sql_find_sensor(), id);
  if (r.empty()) return std::nullopt;
  return pg_read_sensor(r[0]);
}

std::optional<reading> pg_find_reading(pqxx::transaction_base& tx, std::int64_t id) {
  const pqxx::result r = tx.exec_params(sql_find_reading(), id);
  if (r.empty()) return std::nullopt;
  return pg_read_reading(r[0]);
}

sensor pg_write_tx::insert_sensor(sensor s) {
  const pqxx::row r = tx_.exec_params1(
      "INSERT INTO sensors(tipo, modelo, ubicacion, activo, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
      s.tipo, s.modelo, s.ubicacion, s.activo, pg_micros(s.created_at), pg_micros(s.updated_at));
  s.id = r[0].as<std::int64_t>();
  return s;
}

void pg_write_tx::update_sensor(const sensor& s) {
  const pqxx::result r = tx_.exec_params(
      "UPDATE sensors SET tipo = $1, modelo = $2, ubicacion = $3, activo = $4, created_at = $5, "
      "updated_at = $6 WHERE id = $7",
      s.tipo, s.modelo, s.ubicacion, s.activo, pg_micros(s.created_at), pg_micros(s.updated_at),
      s.id);
  if (r.affected_rows() == 0) throw error(errc::not_found, not_found_text("sensor", s.id));
}

std::int64_t pg_write_tx::delete_sensor(std::int64_t id) {
  const pqxx::row count =
      tx_.exec_params1("SELECT COUNT(*) FROM lecturas WHERE sensor_id = $1", id);
  const pqxx::result r = tx_.exec_params("DELETE FROM sensors WHERE id = $1", id);
  if (r.affected_rows() == 0) throw error(errc::not_found, not_found_text("sensor", id));
  return count[0].as<std::int64_t>();  // the foreign key cascade removed them
}

reading pg_write_tx::insert_reading(reading l) {
  const pqxx::row r = tx_.exec_params1(
      "INSERT INTO lecturas(sensor_id, valor, unidad, ts, created_at, updated_at) "
      "VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
      l.sensor_id, l.valor, l.unidad, pg_micros(l.timestamp), pg_micros(l.created_at),
      pg_micros(l.updated_at));
  l.id = r[0].as<std::int64_t>();
  return l;
}

void pg_write_tx::update_reading(const reading& l) {
  const pqxx::result r = tx_.exec_params(
      "UPDATE lecturas SET sensor_id = $1, valor = $2, unidad = $3, ts = $4, created_at = $5, "
      "updated_at = $6 WHERE id = $7",
      l.sensor_id, l.valor, l.unidad, pg_micros(l.timestamp), pg_micros(l.created_at),
      pg_micros(l.updated_at), l.id);
  if (r.affected_rows() == 0) throw error(errc::not_found, not_found_text("lectura", l.id));
}

void pg_write_tx::delete_reading(std::int64_t id) {
  const pqxx::result r = tx_.exec_params("DELETE FROM lecturas WHERE id = $1", id);
  if (r.affected_rows() == 0) throw error(errc::not_found, not_found_text("lectura", id));
}

const event& pg_write_tx::append(const entity_change& change) {
  pending_.push_back(pg_pending_event{change, now()});
  return provisional_.emplace_back();
}

const event& pg_write_tx::append(const system_change& change) {
  pending_.push_back(pg_pending_event{change, now()});
  return provisional_.emplace_back();
}

std::vector<pg_pending_event> pg_write_tx::take_pending() {
  provisional_.clear();
  return std::move(pending_);
}

void pg_write_tx::put_idempotent(const idempotent_response& r, timestamp expire_before) {
  pg_put_idempotent(tx_, r, expire_before);
}

bool pg_write_tx::set_stale(std::int64_t sensor_id, bool stale) {
  return pg_set_stale(tx_, sensor_id, stale);
}

}  // namespace sensorhub::detail

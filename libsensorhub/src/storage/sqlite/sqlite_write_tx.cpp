// SPDX-License-Identifier: MIT
#include "storage/sqlite/sqlite_write_tx.hpp"

#include <iterator>
#include <string>
#include <utility>

#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"
#include "storage/sqlite/sqlite_liveness.hpp"
#include "storage/sqlite/sqlite_rows.hpp"

namespace sensorhub::detail {

namespace {

std::string not_found_text(const char* what, std::int64_t id) {
  return std::string(what) + " " + std::to_string(id) + " not found";
}

}  // namespace

std::optional<sensor> find_sensor_on(sqlite_connection& c, std::int64_t id) {
  auto st = c.prepare(sql_find_sensor);
  st->bind(1, static_cast<std::int64_t>(id));
  if (!st->executeStep()) {
    return std::nullopt;
  }
  return read_sensor(*st);
}

std::optional<reading> find_reading_on(sqlite_connection& c, std::int64_t id) {
  auto st = c.prepare(sql_find_reading);
  st->bind(1, static_cast<std::int64_t>(id));
  if (!st->executeStep()) {
    return std::nullopt;
  }
  return read_reading(*st);
}

sensor sqlite_write_tx::insert_sensor(sensor s) {
  auto st = c_.prepare(sql_insert_sensor);
  bind_sensor(*st, s);
  st->exec();
  s.id = c_.db().getLastInsertRowid();
  return s;
}

void sqlite_write_tx::update_sensor(const sensor& s) {
  auto st = c_.prepare(sql_update_sensor);
  st->bind(bind_sensor(*st, s), static_cast<std::int64_t>(s.id));
  if (st->exec() == 0) {
    throw error(errc::not_found, not_found_text("sensor", s.id));
  }
}

std::int64_t sqlite_write_tx::delete_sensor(std::int64_t id) {
  std::int64_t readings = 0;
  {
    auto st = c_.prepare(sql_count_sensor_readings);
    st->bind(1, static_cast<std::int64_t>(id));
    if (st->executeStep()) {
      readings = st->getColumn(0).getInt64();
    }
  }
  auto st = c_.prepare(sql_delete_sensor);
  st->bind(1, static_cast<std::int64_t>(id));
  if (st->exec() == 0) {
    throw error(errc::not_found, not_found_text("sensor", id));
  }
  return readings;  // the foreign key cascade removed them
}

reading sqlite_write_tx::insert_reading(reading l) {
  auto st = c_.prepare(sql_insert_reading);
  bind_reading(*st, l);
  st->exec();
  l.id = c_.db().getLastInsertRowid();
  return l;
}

void sqlite_write_tx::update_reading(const reading& l) {
  auto st = c_.prepare(sql_update_reading);
  st->bind(bind_reading(*st, l), static_cast<std::int64_t>(l.id));
  if (st->exec() == 0) {
    throw error(errc::not_found, not_found_text("lectura", l.id));
  }
}

void sqlite_write_tx::delete_reading(std::int64_t id) {
  auto st = c_.prepare(sql_delete_reading);
  st->bind(1, static_cast<std::int64_t>(id));
  if (st->exec() == 0) {
    throw error(errc::not_found, not_found_text("lectura", id));
  }
}

const event& sqlite_write_tx::append(const entity_change& change) {
  const timestamp at = now();
  return store(make_entity_event(last_seq_ + 1, at, change), at);
}

const event& sqlite_write_tx::append(const system_change& change) {
  const timestamp at = now();
  return store(make_system_event(last_seq_ + 1, at, change), at);
}

std::vector<event> sqlite_write_tx::take_events() {
  std::vector<event> out(std::make_move_iterator(events_.begin()),
                         std::make_move_iterator(events_.end()));
  events_.clear();
  return out;
}

const event& sqlite_write_tx::store(event e, timestamp at) {
  auto st = c_.prepare(sql_insert_event);
  bind_event(*st, e, at);
  st->exec();
  last_seq_ = e.seq;  // only once the row is in
  events_.push_back(std::move(e));
  return events_.back();
}

void sqlite_write_tx::put_idempotent(const idempotent_response& r, timestamp expire_before) {
  {
    auto del = c_.prepare(
        "DELETE FROM idempotency_keys WHERE id IN (SELECT id FROM idempotency_keys "
        "WHERE created_at < ? ORDER BY created_at LIMIT 100)");
    del->bind(1, static_cast<std::int64_t>(to_micros(expire_before)));
    del->exec();
  }
  auto st = c_.prepare(
      "INSERT OR REPLACE INTO idempotency_keys(owner, key, request_hash, status, body, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)");
  st->bind(1, r.owner);
  st->bind(2, r.key);
  st->bind(3, r.request_hash);
  st->bind(4, r.status);
  st->bind(5, r.body);
  st->bind(6, static_cast<std::int64_t>(to_micros(r.created_at)));
  st->exec();
}

bool sqlite_write_tx::set_stale(std::int64_t sensor_id, bool stale) {
  return sqlite_set_stale(c_, sensor_id, stale);
}

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
// Data scopes in SQLite: the scope keys stored with each event (migration 4,
// backfilled for older files) and the scoped queries.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/reading_service.hpp"
#include "sensorhub/sensor_service.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "support/json_dom.hpp"
#include "support/temp_dir.hpp"

using namespace sensorhub;

namespace {

// What later migrations (5: the covering index for aggregates, 6:
// idempotency keys, 7: liveness flags) added, taken back off a file made at
// the latest schema.
const std::string undo_migrations_5_to_7 =
    "DROP INDEX lecturas_sensor_ts_valor;"
    "CREATE INDEX lecturas_sensor_ts ON lecturas(sensor_id, ts, id);"
    "DROP TABLE idempotency_keys;"
    "DROP TABLE sensor_liveness;";

void raw_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) throw std::runtime_error("sqlite3_open");
  char* msg = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &msg);
  const std::string text = msg != nullptr ? msg : "";
  sqlite3_free(msg);
  sqlite3_close(db);
  if (rc != SQLITE_OK) throw std::runtime_error(text);
}

sqlite_options file(const std::string& path) {
  sqlite_options o;
  o.path = path;
  return o;
}

sensor_patch sensor_at(const std::string& tipo, std::optional<std::string> ubicacion) {
  sensor_patch p;
  p.tipo = tipo;
  p.modelo = "M";
  p.ubicacion = std::move(ubicacion);
  return p;
}

reading_patch reading_of(std::int64_t sensor_id) {
  reading_patch p;
  p.sensor_id = sensor_id;
  p.valor = 1;
  return p;
}

std::vector<event> all_events(repository& repo) {
  event_query q;
  q.limit = 1000;
  return repo.events(q);
}

std::optional<std::string> text_of(const std::shared_ptr<const std::string>& p) {
  return p ? std::optional<std::string>(*p) : std::nullopt;
}

// What the views depend on, comparable.
struct keys {
  std::uint64_t seq;
  std::string tipo;
  std::optional<std::string> ubicacion;
  bool moved;
  std::optional<std::string> before_tipo;
  std::optional<std::string> before_ubicacion;
  bool operator==(const keys& o) const {
    return seq == o.seq && tipo == o.tipo && ubicacion == o.ubicacion && moved == o.moved &&
           before_tipo == o.before_tipo && before_ubicacion == o.before_ubicacion;
  }
};

std::vector<keys> keys_of(const std::vector<event>& evs) {
  std::vector<keys> out;
  for (const auto& e : evs) {
    keys k{e.seq, e.tipo, text_of(e.ubicacion), e.moved != nullptr, {}, {}};
    if (e.moved) {
      k.before_tipo = e.moved->before.tipo;
      k.before_ubicacion = e.moved->before.ubicacion;
    }
    out.push_back(k);
  }
  return out;
}

}  // namespace

TEST_CASE("migration 4 backfills the scope keys of events written by older releases") {
  testing::temp_dir dir;
  const std::string path = dir.file("v3.db");
  std::vector<keys> expected;
  {
    sqlite_repository repo(file(path));
    sensor_service sensors(repo);
    reading_service readings(repo);
    const auto a = sensors.create(sensor_at("temperatura", "lab"));
    const auto b = sensors.create(sensor_at("humedad", std::nullopt));
    readings.create(reading_of(a.id));
    sensor_patch move;
    move.ubicacion = std::optional<std::string>("roof");
    move.tipo = "humedad";
    sensors.update(a.id, move);
    readings.create(reading_of(a.id));
    sensor_patch rename;
    rename.modelo = "N";
    sensors.update(a.id, rename);  // no key change
    readings.create(reading_of(b.id));
    sensors.remove(a.id);  // its readings' events stay in the log
    expected = keys_of(all_events(repo));
  }
  REQUIRE(expected.size() == 8);
  CHECK(expected[3].moved);
  // Back to what release 0.2 wrote: no scope columns, user_version 3.
  raw_exec(path,
           "ALTER TABLE events DROP COLUMN ubicacion; ALTER TABLE events DROP COLUMN before_tipo;"
           "ALTER TABLE events DROP COLUMN before_ubicacion;" +
               undo_migrations_5_to_7 + "PRAGMA user_version = 3;");
  sqlite_repository repo(file(path));
  CHECK(keys_of(all_events(repo)) == expected);
  data_scope lab;
  lab.ubicacion = {"lab"};
  const auto evs = all_events(repo);
  CHECK(scoped_view_ptr(evs[3], lab)->type == event_type::scope_left);
  CHECK(scoped_view_ptr(evs[4], lab) == nullptr);  // a reading on the roof
}

TEST_CASE("a file migrated without the events before it: the sensor row, no move") {
  testing::temp_dir dir;
  const std::string path = dir.file("pruned.db");
  {
    sqlite_repository repo(file(path));
    sensor_service sensors(repo);
    reading_service readings(repo);
    const auto a = sensors.create(sensor_at("temperatura", "lab"));
    readings.create(reading_of(a.id));
    sensor_patch move;
    move.ubicacion = std::optional<std::string>("roof");
    sensors.update(a.id, move);
  }
  raw_exec(path,
           "DELETE FROM events WHERE seq = 1;"  // the creation was pruned
           "ALTER TABLE events DROP COLUMN ubicacion; ALTER TABLE events DROP COLUMN before_tipo;"
           "ALTER TABLE events DROP COLUMN before_ubicacion;" +
               undo_migrations_5_to_7 + "PRAGMA user_version = 3;");
  sqlite_repository repo(file(path));
  const auto evs = all_events(repo);
  REQUIRE(evs.size() == 2);
  CHECK(text_of(evs[0].ubicacion) == std::optional<std::string>("roof"));  // the row as it is now
  CHECK(evs[1].moved == nullptr);  // nothing to compare with
  CHECK(text_of(evs[1].ubicacion) == std::optional<std::string>("roof"));
}

TEST_CASE("scoped SQL: quotes and non-ASCII values, null ubicacion, id lists") {
  sqlite_options o;
  o.path = ":memory:";
  sqlite_repository repo(o);
  sensor_service sensors(repo);
  reading_service readings(repo);
  const auto odd = sensors.create(sensor_at("t\"i'p\\o", "sótano \"2\""));
  const auto plain = sensors.create(sensor_at("temperatura", std::nullopt));
  readings.create(reading_of(odd.id));
  readings.create(reading_of(plain.id));

  data_scope s;
  s.tipo = {"t\"i'p\\o"};
  s.ubicacion = {"sótano \"2\""};
  auto list = repo.list_sensors(sensor_query{}, s);
  REQUIRE(list.size() == 1);
  CHECK(list[0].id == odd.id);
  CHECK(repo.list_readings(reading_query{}, s).size() == 1);

  data_scope any_place;
  any_place.ubicacion = {"sótano \"2\"", "lab"};
  CHECK(repo.list_sensors(sensor_query{}, any_place).size() == 1);  // the null one never matches
  data_scope ids;
  ids.sensor_id = {plain.id};
  list = repo.list_sensors(sensor_query{}, ids);
  REQUIRE(list.size() == 1);
  CHECK(list[0].id == plain.id);
  const auto rs = repo.list_readings(reading_query{}, ids);
  REQUIRE(rs.size() == 1);
  CHECK(rs[0].sensor_id == plain.id);
  // The snapshot uses the same rule (data_scope::contains).
  const auto snap = testing::dom(repo.snapshot(channel::sensors, event_filter{}, s).data_json);
  REQUIRE(snap.Size() == 1);
  CHECK(snap[0]["id"].GetInt64() == odd.id);
  CHECK(testing::dom(repo.snapshot(channel::readings, event_filter{}, ids).data_json).Size() == 1);
}

// SPDX-License-Identifier: MIT
// The repository contract (repository.hpp), built twice: test_repository
// against SQLite, and test_repository_pg (SENSORHUB_TEST_PG) against a real
// PostgreSQL database; cases about SQLite files run in the first only.
#include <doctest/doctest.h>
#include <rapidjson/document.h>
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "support/temp_dir.hpp"
#ifdef SENSORHUB_TEST_PG
#include "sensorhub/postgres_repository.hpp"
#include "support/pg_test_db.hpp"
#endif

namespace fs = std::filesystem;
using namespace sensorhub;
using sensorhub::testing::temp_dir;

namespace {

// Raw SQLite access (the C API) to shape files as another build would have.
class raw_db {
 public:
  explicit raw_db(const std::string& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) throw std::runtime_error("sqlite3_open");
    sqlite3_busy_timeout(db_, 10000);
  }
  ~raw_db() { sqlite3_close(db_); }
  raw_db(const raw_db&) = delete;
  raw_db& operator=(const raw_db&) = delete;

  void exec(const std::string& sql) {
    char* msg = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
      std::string text = msg != nullptr ? msg : "?";
      sqlite3_free(msg);
      throw std::runtime_error(text);
    }
  }
  long long scalar(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db_));
    }
    long long v = -1;
    if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
  }
  std::string text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sqlite3_errmsg(db_));
    }
    std::string v;
    if (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      if (t != nullptr) v = reinterpret_cast<const char*>(t);
    }
    sqlite3_finalize(st);
    return v;
  }

 private:
  sqlite3* db_ = nullptr;
};

sqlite_options memory_options() {
  sqlite_options o;
  o.path = ":memory:";
  return o;
}

[[maybe_unused]] sqlite_options file_options(const std::string& path) {
  sqlite_options o;
  o.path = path;
  o.busy_timeout = std::chrono::milliseconds(10000);
  o.read_connections = 2;
  return o;
}

// SQLite assigns a seq in append(); PostgreSQL at commit (append returns 0).
#ifdef SENSORHUB_TEST_PG
constexpr bool seqs_at_append = false;
#else
constexpr bool seqs_at_append = true;
#endif

// The repository under test, on a new empty database: SQLite in memory (or
// in the file at `path`), or, built as test_repository_pg, a new PostgreSQL
// database of the test cluster (`path` unused).
std::unique_ptr<repository> fresh_repository(const std::string& path = {}) {
#ifdef SENSORHUB_TEST_PG
  (void)path;
  postgres_options o;
  o.uri = sensorhub::testing::pg_fresh_database(sensorhub::testing::pg_test_uri());
  o.read_connections = 2;
  o.log = null_log_sink();
  return std::make_unique<postgres_repository>(o);
#else
  return std::make_unique<sqlite_repository>(path.empty() ? memory_options() : file_options(path));
#endif
}

sensor make_sensor(const std::string& tipo, const std::string& modelo = "DHT22") {
  sensor s;
  s.tipo = tipo;
  s.modelo = modelo;
  s.created_at = s.updated_at = now();
  return s;
}

reading make_reading(std::int64_t sensor_id, double valor, long long ts_micros) {
  reading l;
  l.sensor_id = sensor_id;
  l.valor = valor;
  l.unidad = "C";
  l.timestamp = from_micros(ts_micros);
  l.created_at = l.updated_at = now();
  return l;
}

entity_change created_change(const sensor& s) {
  entity_change c;
  c.type = event_type::created;
  c.data = s;
  c.tipo = s.tipo;
  return c;
}

entity_change created_change(const reading& l, const std::string& tipo) {
  entity_change c;
  c.type = event_type::created;
  c.data = l;
  c.tipo = tipo;
  return c;
}

// Inserts a sensor and its created event in one write; returns the sensor.
sensor add_sensor(repository& repo, const std::string& tipo) {
  sensor out;
  repo.write([&](write_tx& tx) {
    out = tx.insert_sensor(make_sensor(tipo));
    tx.append(created_change(out));
  });
  return out;
}

std::int64_t count_rows(repository& repo) {
  sensor_query q;
  q.limit = 1000000;
  return static_cast<std::int64_t>(repo.list_sensors(q).size());
}

std::vector<std::uint64_t> seqs_of(const std::vector<event>& events) {
  std::vector<std::uint64_t> out;
  for (const event& e : events) out.push_back(e.seq);
  return out;
}

std::vector<event> all_events(repository& repo) {
  event_query q;
  q.limit = 1000000;
  return repo.events(q);
}

struct injected_failure : std::runtime_error {
  injected_failure() : std::runtime_error("injected") {}
};

}  // namespace

TEST_CASE("a new database is empty and at the latest schema") {
  auto owner = fresh_repository();
  repository& repo = *owner;
#ifndef SENSORHUB_TEST_PG
  CHECK(sqlite_repository::schema_version() >= 2);
#endif
  CHECK(repo.last_seq() == 0);
  CHECK(repo.oldest_seq() == 0);
  CHECK(all_events(repo).empty());
  CHECK_FALSE(repo.find_sensor(1).has_value());
  CHECK_FALSE(repo.find_reading(1).has_value());
}

TEST_CASE("sensor CRUD") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  sensor s = make_sensor("temperatura");
  s.ubicacion = "sala";
  s.activo = false;
  sensor stored;
  repo.write([&](write_tx& tx) { stored = tx.insert_sensor(s); });
  REQUIRE(stored.id > 0);

  auto found = repo.find_sensor(stored.id);
  REQUIRE(found.has_value());
  CHECK(found->tipo == "temperatura");
  CHECK(found->modelo == "DHT22");
  CHECK(found->ubicacion == std::optional<std::string>("sala"));
  CHECK(found->activo == false);
  CHECK(found->created_at == s.created_at);
  CHECK(found->updated_at == s.updated_at);

  sensor changed = *found;
  changed.modelo = "DHT11";
  changed.ubicacion = std::nullopt;
  changed.activo = true;
  changed.updated_at = from_micros(to_micros(s.updated_at) + 5);
  repo.write([&](write_tx& tx) { tx.update_sensor(changed); });
  found = repo.find_sensor(stored.id);
  REQUIRE(found.has_value());
  CHECK(found->modelo == "DHT11");
  CHECK_FALSE(found->ubicacion.has_value());
  CHECK(found->activo == true);
  CHECK(found->updated_at == changed.updated_at);

  std::int64_t deleted = -1;
  repo.write([&](write_tx& tx) { deleted = tx.delete_sensor(stored.id); });
  CHECK(deleted == 0);
  CHECK_FALSE(repo.find_sensor(stored.id).has_value());

  // Missing rows are reported, and the failed transaction leaves nothing.
  CHECK_THROWS_AS(repo.write([&](write_tx& tx) { tx.delete_sensor(stored.id); }), error);
  CHECK_THROWS_AS(repo.write([&](write_tx& tx) { tx.update_sensor(changed); }), error);
  // Ids are never reused (AUTOINCREMENT).
  sensor again;
  repo.write([&](write_tx& tx) { again = tx.insert_sensor(make_sensor("humedad")); });
  CHECK(again.id > stored.id);
  CHECK(repo.last_seq() == 0);  // no event was appended by these writes
}

TEST_CASE("list_sensors filters by tipo and pages by id") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  std::vector<std::int64_t> temp_ids;
  for (int i = 0; i < 5; ++i) {
    temp_ids.push_back(add_sensor(repo, "temperatura").id);
    add_sensor(repo, "humedad");
  }
  sensor_query q;
  CHECK(repo.list_sensors(q).size() == 10);
  q.tipo = "temperatura";
  auto list = repo.list_sensors(q);
  REQUIRE(list.size() == 5);
  for (std::size_t i = 0; i < list.size(); ++i) CHECK(list[i].id == temp_ids[i]);
  q.limit = 2;
  q.offset = 1;
  list = repo.list_sensors(q);
  REQUIRE(list.size() == 2);
  CHECK(list[0].id == temp_ids[1]);
  CHECK(list[1].id == temp_ids[2]);
  q.tipo = "presion";
  CHECK(repo.list_sensors(q).empty());
}

TEST_CASE("lectura CRUD, newest-first listing with since/until/limit/offset") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  const sensor a = add_sensor(repo, "temperatura");
  const sensor b = add_sensor(repo, "humedad");

  // Timestamps out of insertion order, with a tie at 300.
  std::vector<reading> rows;
  repo.write([&](write_tx& tx) {
    rows.push_back(tx.insert_reading(make_reading(a.id, 1.5, 300)));
    rows.push_back(tx.insert_reading(make_reading(a.id, 2.5, 100)));
    rows.push_back(tx.insert_reading(make_reading(a.id, 3.5, 300)));
    rows.push_back(tx.insert_reading(make_reading(a.id, 4.5, 200)));
    rows.push_back(tx.insert_reading(make_reading(b.id, 5.5, 250)));
  });
  for (const auto& r : rows) REQUIRE(r.id > 0);

  auto found = repo.find_reading(rows[0].id);
  REQUIRE(found.has_value());
  CHECK(found->sensor_id == a.id);
  CHECK(found->valor == 1.5);
  CHECK(found->unidad == std::optional<std::string>("C"));
  CHECK(to_micros(found->timestamp) == 300);

  reading_query q;
  q.sensor_id = a.id;
  auto list = repo.list_readings(q);
  REQUIRE(list.size() == 4);
  // ts DESC, then id DESC.
  CHECK(list[0].id == rows[2].id);
  CHECK(list[1].id == rows[0].id);
  CHECK(list[2].id == rows[3].id);
  CHECK(list[3].id == rows[1].id);

  q.since = from_micros(200);  // inclusive
  q.until = from_micros(300);  // exclusive
  list = repo.list_readings(q);
  REQUIRE(list.size() == 1);
  CHECK(list[0].id == rows[3].id);

  reading_query all;
  list = repo.list_readings(all);
  REQUIRE(list.size() == 5);
  CHECK(list[2].id == rows[4].id);  // b's reading at 250 sits between 300 and 200
  all.limit = 2;
  all.offset = 1;
  list = repo.list_readings(all);
  REQUIRE(list.size() == 2);
  CHECK(list[0].id == rows[0].id);
  CHECK(list[1].id == rows[4].id);
  all = reading_query{};
  all.since = from_micros(250);
  CHECK(repo.list_readings(all).size() == 3);

  reading changed = rows[1];
  changed.valor = -7.25;
  changed.unidad = std::nullopt;
  changed.sensor_id = b.id;
  repo.write([&](write_tx& tx) { tx.update_reading(changed); });
  found = repo.find_reading(changed.id);
  REQUIRE(found.has_value());
  CHECK(found->valor == -7.25);
  CHECK_FALSE(found->unidad.has_value());
  CHECK(found->sensor_id == b.id);

  repo.write([&](write_tx& tx) { tx.delete_reading(changed.id); });
  CHECK_FALSE(repo.find_reading(changed.id).has_value());
  CHECK_THROWS_AS(repo.write([&](write_tx& tx) { tx.delete_reading(changed.id); }), error);
}

TEST_CASE("deleting a sensor cascades to its readings and reports how many") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  const sensor a = add_sensor(repo, "temperatura");
  const sensor b = add_sensor(repo, "temperatura");
  repo.write([&](write_tx& tx) {
    for (int i = 0; i < 3; ++i) tx.insert_reading(make_reading(a.id, i, 10 + i));
    tx.insert_reading(make_reading(b.id, 9, 10));
  });
  std::int64_t n = -1;
  repo.write([&](write_tx& tx) { n = tx.delete_sensor(a.id); });
  CHECK(n == 3);
  reading_query q;
  q.sensor_id = a.id;
  CHECK(repo.list_readings(q).empty());
  q.sensor_id = b.id;
  CHECK(repo.list_readings(q).size() == 1);
}

TEST_CASE("liveness: newest reading per sensor and a stale flag set once per transition") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  const sensor a = add_sensor(repo, "temperatura");
  const sensor b = add_sensor(repo, "humedad");
  repo.write([&](write_tx& tx) {
    tx.insert_reading(make_reading(a.id, 1, 5'000'000));
    tx.insert_reading(make_reading(a.id, 2, 9'000'000));
    tx.insert_reading(make_reading(a.id, 3, 7'000'000));  // older, inserted last
  });
  auto rows = repo.liveness();
  REQUIRE(rows.size() == 2);
  CHECK(rows[0].sensor_id == a.id);
  CHECK(rows[0].tipo == "temperatura");
  CHECK(rows[0].last_reading_at == from_micros(9'000'000));
  CHECK_FALSE(rows[0].stale);
  CHECK_FALSE(rows[1].last_reading_at.has_value());

  bool changed[5] = {};
  repo.write([&](write_tx& tx) {
    changed[0] = tx.set_stale(a.id, true);
    changed[1] = tx.set_stale(a.id, true);   // already recorded
    changed[2] = tx.set_stale(b.id, false);  // first record, not stale: a change of row only
    changed[3] = tx.set_stale(999, true);    // no such sensor
  });
  CHECK(changed[0]);
  CHECK_FALSE(changed[1]);
  CHECK_FALSE(changed[3]);
  CHECK(repo.liveness()[0].stale);
  repo.write([&](write_tx& tx) { changed[4] = tx.set_stale(a.id, false); });
  CHECK(changed[4]);
  CHECK_FALSE(repo.liveness()[0].stale);
  repo.write([&](write_tx& tx) { tx.set_stale(a.id, true); });
  repo.write([&](write_tx& tx) { tx.delete_sensor(a.id); });  // the flag goes with it
  rows = repo.liveness();
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].sensor_id == b.id);
}

TEST_CASE("a reading for a missing sensor violates the foreign key: storage error, nothing kept") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  try {
    repo.write([&](write_tx& tx) {
      tx.append(system_change{"before", "{}"});
      tx.insert_reading(make_reading(12345, 1, 1));
    });
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::storage);
  }
  CHECK(repo.list_readings(reading_query{}).empty());
  CHECK(repo.last_seq() == 0);
  CHECK(all_events(repo).empty());
}

TEST_CASE("outbox: a failure before or after append leaves neither row nor event") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  std::vector<std::vector<event>> hooked;
  repo.set_commit_hook([&](const std::vector<event>& evs) { hooked.push_back(evs); });

  const sensor first = add_sensor(repo, "temperatura");
  REQUIRE(repo.last_seq() == 1);
  REQUIRE(hooked.size() == 1);

  SUBCASE("between the row and its event") {
    CHECK_THROWS_AS(repo.write([&](write_tx& tx) {
      tx.insert_sensor(make_sensor("humedad"));
      throw injected_failure();
    }),
                    injected_failure);
  }
  SUBCASE("after the event was appended") {
    CHECK_THROWS_AS(repo.write([&](write_tx& tx) {
      const sensor s = tx.insert_sensor(make_sensor("humedad"));
      const event& e = tx.append(created_change(s));
      if (seqs_at_append) CHECK(e.seq == 2);
      throw injected_failure();
    }),
                    injected_failure);
  }
  SUBCASE("after two events and a system event") {
    CHECK_THROWS_AS(repo.write([&](write_tx& tx) {
      tx.append(created_change(tx.insert_sensor(make_sensor("humedad"))));
      tx.append(created_change(tx.insert_sensor(make_sensor("humedad"))));
      tx.append(system_change{"server_started", "{}"});
      throw injected_failure();
    }),
                    injected_failure);
  }

  CHECK(count_rows(repo) == 1);
  CHECK(repo.last_seq() == 1);
  CHECK(seqs_of(all_events(repo)) == std::vector<std::uint64_t>{1});
  CHECK(hooked.size() == 1);  // no hook call for the rolled-back write

  // The next event takes the next seq: no gap.
  const sensor next = add_sensor(repo, "presion");
  CHECK(next.id > first.id);
  CHECK(repo.last_seq() == 2);
  CHECK(seqs_of(all_events(repo)) == std::vector<std::uint64_t>{1, 2});
  REQUIRE(hooked.size() == 2);
  CHECK(seqs_of(hooked[1]) == std::vector<std::uint64_t>{2});
}

TEST_CASE("write returns the appended events in seq order and hands them to the hook") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  std::vector<std::vector<event>> hooked;
  repo.set_commit_hook([&](const std::vector<event>& evs) { hooked.push_back(evs); });

  const std::vector<event> none = repo.write([](write_tx&) {});
  CHECK(none.empty());
  CHECK(hooked.empty());  // no events, no hook call

  std::vector<std::uint64_t> seen_in_tx;
  const std::vector<event> evs = repo.write([&](write_tx& tx) {
    const sensor s = tx.insert_sensor(make_sensor("temperatura"));
    const event& e1 = tx.append(created_change(s));
    const event& e2 = tx.append(system_change{"server_started", R"({"version":"x"})"});
    const reading l = tx.insert_reading(make_reading(s.id, 1, 1));
    const event& e3 = tx.append(created_change(l, s.tipo));
    // References stay valid while more events are appended.
    seen_in_tx = {e1.seq, e2.seq, e3.seq};
  });
#ifndef SENSORHUB_TEST_PG  // PostgreSQL assigns seqs at commit
  CHECK(seen_in_tx == std::vector<std::uint64_t>{1, 2, 3});
#else
  CHECK(seen_in_tx == std::vector<std::uint64_t>{0, 0, 0});
#endif
  CHECK(seqs_of(evs) == std::vector<std::uint64_t>{1, 2, 3});
  REQUIRE(hooked.size() == 1);
  CHECK(seqs_of(hooked[0]) == seqs_of(evs));
  for (std::size_t i = 0; i < evs.size(); ++i) {
    REQUIRE(static_cast<bool>(hooked[0][i].json));
    CHECK(*hooked[0][i].json == *evs[i].json);
  }

  // The stored JSON carries the same seq.
  rapidjson::Document d;
  d.Parse(evs[0].json->c_str());
  REQUIRE(d.IsObject());
  REQUIRE(d.HasMember("seq"));
  CHECK(d["seq"].GetUint64() == 1);

  // A hook that throws does not undo or fail a committed write.
  repo.set_commit_hook([](const std::vector<event>&) { throw std::runtime_error("hook"); });
  CHECK_NOTHROW(add_sensor(repo, "x"));
  CHECK(repo.last_seq() == 4);
}

#ifndef SENSORHUB_TEST_PG  // SQLite files, SQLite options
TEST_CASE("a commit hook that throws is reported through the logger, the commit stands") {
  std::vector<std::pair<log_level, std::string>> lines;
  sqlite_options o = memory_options();
  o.log = [&lines](log_level l, std::string_view m) { lines.emplace_back(l, std::string(m)); };
  sqlite_repository repo(o);
  repo.set_commit_hook([](const std::vector<event>&) { throw std::runtime_error("boom"); });
  CHECK_NOTHROW(add_sensor(repo, "x"));
  CHECK(repo.last_seq() == 1);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].first == log_level::error);
  CHECK(lines[0].second.find("boom") != std::string::npos);
}
#endif

TEST_CASE("events() filters by channel and reconstructs every filter key") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  std::vector<event> live;
  repo.set_commit_hook(
      [&](const std::vector<event>& evs) { live.insert(live.end(), evs.begin(), evs.end()); });

  sensor s;
  reading l;
  repo.write([&](write_tx& tx) {
    s = tx.insert_sensor(make_sensor("temperatura"));
    tx.append(created_change(s));
    l = tx.insert_reading(make_reading(s.id, 21.5, 1000));
    tx.append(created_change(l, s.tipo));
  });
  repo.write([&](write_tx& tx) { tx.append(system_change{"server_started", "{}"}); });
  repo.write([&](write_tx& tx) {
    sensor changed = s;
    changed.modelo = "DHT11";
    tx.update_sensor(changed);
    entity_change c;
    c.type = event_type::updated;
    c.data = changed;
    c.updated_fields = {"modelo"};
    tx.append(c);
    reading gone = l;
    tx.delete_reading(l.id);
    entity_change d;
    d.type = event_type::deleted;
    d.data = gone;
    d.tipo = s.tipo;
    tx.append(d);
  });
  REQUIRE(live.size() == 5);

  const std::vector<event> stored = all_events(repo);
  REQUIRE(stored.size() == live.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    CAPTURE(i);
    CHECK(stored[i].seq == live[i].seq);
    CHECK(stored[i].chan == live[i].chan);
    CHECK(stored[i].kind == live[i].kind);
    CHECK(stored[i].entity == live[i].entity);
    CHECK(stored[i].entity_id == live[i].entity_id);
    CHECK(stored[i].sensor_id == live[i].sensor_id);
    CHECK(stored[i].tipo == live[i].tipo);
    CHECK(stored[i].name == live[i].name);
    if (live[i].kind == event_kind::entity) CHECK(stored[i].type == live[i].type);
    REQUIRE(static_cast<bool>(stored[i].json));
    CHECK(*stored[i].json == *live[i].json);
  }
  // Spot-check the values themselves.
  CHECK(stored[1].chan == channel::readings);
  CHECK(stored[1].entity == entity_kind::reading);
  CHECK(stored[1].entity_id == l.id);
  CHECK(stored[1].sensor_id == s.id);
  CHECK(stored[1].tipo == "temperatura");
  CHECK(stored[2].kind == event_kind::system);
  CHECK(stored[2].name == "server_started");
  CHECK(stored[2].chan == channel::general);
  CHECK(stored[3].type == event_type::updated);
  CHECK(stored[4].type == event_type::deleted);

  event_query q;
  q.channels = {channel::sensors};
  CHECK(seqs_of(repo.events(q)) == std::vector<std::uint64_t>{1, 4});
  q.channels = {channel::readings, channel::general};
  CHECK(seqs_of(repo.events(q)) == std::vector<std::uint64_t>{2, 3, 5});
  q.channels = {channel::general, channel::general};
  CHECK(seqs_of(repo.events(q)) == std::vector<std::uint64_t>{3});
  q.channels = {channel::general, channel::readings, channel::sensors};
  CHECK(repo.events(q).size() == 5);
  q.channels = {channel::sensors, channel::readings};
  q.since = 1;
  q.limit = 2;
  CHECK(seqs_of(repo.events(q)) == std::vector<std::uint64_t>{2, 4});
  q.channels.clear();
  q.since = 3;
  q.limit = 100;
  CHECK(seqs_of(repo.events(q)) == std::vector<std::uint64_t>{4, 5});
  q.since = 5;
  CHECK(repo.events(q).empty());
}

#ifndef SENSORHUB_TEST_PG  // SQLite files, SQLite options
TEST_CASE("a file database keeps its data and its seq across reopen") {
  temp_dir dir;
  const std::string path = dir.file("hub.db");
  std::int64_t sensor_id = 0;
  {
    sqlite_repository repo(file_options(path));
    sensor_id = add_sensor(repo, "temperatura").id;
    add_sensor(repo, "humedad");
    CHECK(repo.last_seq() == 2);
  }
  {
    raw_db raw(path);
    CHECK(raw.scalar("PRAGMA user_version") == sqlite_repository::schema_version());
    CHECK(raw.text("PRAGMA journal_mode") == "wal");
    // API tokens belong to sensorhub::auth: the core alone creates no tokens table.
    CHECK(raw.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'tokens'") == 0);
  }
  {
    sqlite_repository repo(file_options(path));
    CHECK(repo.last_seq() == 2);
    CHECK(repo.oldest_seq() == 1);
    auto s = repo.find_sensor(sensor_id);
    REQUIRE(s.has_value());
    CHECK(s->tipo == "temperatura");
    add_sensor(repo, "presion");
    CHECK(repo.last_seq() == 3);
    CHECK(seqs_of(all_events(repo)) == std::vector<std::uint64_t>{1, 2, 3});
  }
  // last_seq comes from meta: even with every event row gone, seq is never reused.
  {
    raw_db raw(path);
    raw.exec("DELETE FROM events");
  }
  {
    sqlite_repository repo(file_options(path));
    CHECK(repo.last_seq() == 3);
    CHECK(repo.oldest_seq() == 0);
    add_sensor(repo, "luz");
    CHECK(seqs_of(all_events(repo)) == std::vector<std::uint64_t>{4});
  }
}
#endif

#ifndef SENSORHUB_TEST_PG  // SQLite files, SQLite options
TEST_CASE("opening migrates a version 1 file and keeps its data") {
  temp_dir dir;
  const std::string path = dir.file("v1.db");
  {
    // The schema as build version 1 wrote it, with some data.
    raw_db raw(path);
    raw.exec(R"sql(
BEGIN;
CREATE TABLE sensors (
  id INTEGER PRIMARY KEY AUTOINCREMENT, tipo TEXT NOT NULL, modelo TEXT NOT NULL,
  ubicacion TEXT, activo INTEGER NOT NULL, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE TABLE lecturas (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sensor_id INTEGER NOT NULL REFERENCES sensors(id) ON DELETE CASCADE,
  valor REAL NOT NULL, unidad TEXT, ts INTEGER NOT NULL, created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE INDEX lecturas_sensor_ts ON lecturas(sensor_id, ts, id);
CREATE INDEX lecturas_ts ON lecturas(ts, id);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY, channel TEXT NOT NULL, kind TEXT NOT NULL, entity_type TEXT,
  event_type TEXT, entity_id INTEGER NOT NULL DEFAULT 0, sensor_id INTEGER NOT NULL DEFAULT 0,
  tipo TEXT NOT NULL DEFAULT '', name TEXT NOT NULL DEFAULT '', created_at INTEGER NOT NULL,
  json TEXT NOT NULL);
CREATE INDEX events_channel_seq ON events(channel, seq);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta(key, value) VALUES ('last_seq', 7);
INSERT INTO sensors VALUES (3, 'temperatura', 'DHT22', NULL, 1, 1000, 2000);
INSERT INTO lecturas VALUES (5, 3, 21.5, 'C', 1500, 1600, 1700);
INSERT INTO events VALUES (7, 'sensors', 'entity', 'sensor', 'created', 3, 3, 'temperatura', '',
  1000, '{"type":"entity_event","seq":7}');
PRAGMA user_version = 1;
COMMIT;
)sql");
  }
  {
    sqlite_repository repo(file_options(path));
    auto s = repo.find_sensor(3);
    REQUIRE(s.has_value());
    CHECK(s->tipo == "temperatura");
    CHECK_FALSE(s->ubicacion.has_value());
    CHECK(to_micros(s->updated_at) == 2000);
    auto l = repo.find_reading(5);
    REQUIRE(l.has_value());
    CHECK(l->valor == 21.5);
    CHECK(to_micros(l->timestamp) == 1500);
    CHECK(repo.last_seq() == 7);
    const auto evs = all_events(repo);
    REQUIRE(evs.size() == 1);
    CHECK(evs[0].seq == 7);
    CHECK(evs[0].entity == entity_kind::sensor);
    CHECK(evs[0].tipo == "temperatura");
    sensor_query q;
    q.tipo = "temperatura";
    CHECK(repo.list_sensors(q).size() == 1);
    const sensor added = add_sensor(repo, "humedad");
    CHECK(added.id == 4);  // AUTOINCREMENT continues
    CHECK(repo.last_seq() == 8);
  }
  raw_db raw(path);
  CHECK(raw.scalar("PRAGMA user_version") == sqlite_repository::schema_version());
  CHECK(raw.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND "
                   "name = 'events_created_at'") == 1);
  CHECK(raw.scalar("SELECT COUNT(*) FROM lecturas") == 1);
  CHECK(raw.scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'tokens'") == 0);
}
#endif

#ifndef SENSORHUB_TEST_PG  // SQLite files, SQLite options
TEST_CASE("a release 0.1 file, whose migration 3 created tokens, opens with its tokens kept") {
  temp_dir dir;
  const std::string path = dir.file("v0_1.db");
  { sqlite_repository repo(file_options(path)); }
  {
    // What 0.1's migration 3 added (sensorhub::auth now owns this table).
    raw_db raw(path);
    raw.exec(R"sql(
CREATE TABLE tokens (
  name TEXT PRIMARY KEY, hash BLOB NOT NULL UNIQUE, scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL, last_used INTEGER, revoked_at INTEGER);
INSERT INTO tokens VALUES ('admin', X'0102', 'read,write,admin', 1000, NULL, NULL);
)sql");
  }
  {
    sqlite_repository repo(file_options(path));
    add_sensor(repo, "temperatura");
    CHECK(repo.last_seq() == 1);
  }
  raw_db raw(path);
  CHECK(raw.scalar("PRAGMA user_version") == sqlite_repository::schema_version());
  CHECK(raw.scalar("SELECT COUNT(*) FROM tokens WHERE name = 'admin'") == 1);
}
#endif

#ifndef SENSORHUB_TEST_PG  // SQLite files, SQLite options
TEST_CASE("a database from a newer build is refused") {
  temp_dir dir;
  const std::string path = dir.file("future.db");
  {
    raw_db raw(path);
    raw.exec("CREATE TABLE t(x); PRAGMA user_version = 99;");
  }
  try {
    sqlite_repository repo(file_options(path));
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::storage);
    CHECK(std::string(e.what()).find("database schema 99 is newer than this build (" +
                                     std::to_string(sqlite_repository::schema_version()) + ")") !=
          std::string::npos);
  }
  raw_db raw(path);
  CHECK(raw.scalar("PRAGMA user_version") == 99);  // untouched
}
#endif

#ifndef SENSORHUB_TEST_PG  // SQLite files, SQLite options
TEST_CASE("a path that cannot be opened is a storage error") {
  temp_dir dir;
  try {
    sqlite_repository repo(file_options(dir.file("no/such/dir/x.db")));
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::storage);
  }
}
#endif

TEST_CASE("concurrent writers get strictly increasing seqs while readers read") {
  temp_dir dir;
  auto owner = fresh_repository(dir.file("concurrent.db"));
  repository& repo = *owner;
  std::mutex hooked_mutex;
  std::vector<std::uint64_t> hooked;
  repo.set_commit_hook([&](const std::vector<event>& evs) {
    std::lock_guard<std::mutex> lock(hooked_mutex);
    for (const event& e : evs) hooked.push_back(e.seq);
  });

  constexpr int writers = 4;
  constexpr int per_writer = 40;
  std::atomic<int> writers_done{0};
  std::atomic<bool> reader_failed{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < per_writer; ++i) {
        repo.write([&](write_tx& tx) {
          const sensor s = tx.insert_sensor(make_sensor("t" + std::to_string(w)));
          tx.append(created_change(s));
          const reading l = tx.insert_reading(make_reading(s.id, i, i));
          tx.append(created_change(l, s.tipo));
        });
      }
      ++writers_done;
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      std::uint64_t last = 0;
      while (writers_done.load() < writers) {
        const std::uint64_t now_seq = repo.last_seq();
        if (now_seq < last) reader_failed = true;
        last = now_seq;
        event_query q;
        q.limit = 50;
        q.since = now_seq > 20 ? now_seq - 20 : 0;
        const auto evs = repo.events(q);
        for (std::size_t i = 1; i < evs.size(); ++i) {
          if (evs[i].seq != evs[i - 1].seq + 1) reader_failed = true;
        }
        repo.list_readings(reading_query{});
        repo.list_sensors(sensor_query{});
      }
    });
  }
  for (auto& t : threads) t.join();

  CHECK_FALSE(reader_failed.load());
  constexpr std::uint64_t total = 2 * writers * per_writer;
  CHECK(repo.last_seq() == total);
  REQUIRE(hooked.size() == total);
  for (std::size_t i = 0; i < hooked.size(); ++i) CHECK(hooked[i] == i + 1);
  const auto stored = all_events(repo);
  REQUIRE(stored.size() == total);
  for (std::size_t i = 0; i < stored.size(); ++i) CHECK(stored[i].seq == i + 1);
}

TEST_CASE("pruning by count keeps the newest events and never touches last_seq") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  for (int i = 0; i < 25; ++i)
    repo.write([](write_tx& tx) { tx.append(system_change{"tick", "{}"}); });
  REQUIRE(repo.last_seq() == 25);

  retention_policy none;
  CHECK(repo.prune_events(none) == 0);

  retention_policy p;
  p.max_events = 10;
  p.batch = 4;  // several bounded batches
  CHECK(repo.prune_events(p) == 15);
  CHECK(repo.oldest_seq() == 16);
  CHECK(repo.last_seq() == 25);
  const auto evs = all_events(repo);
  REQUIRE(evs.size() == 10);
  CHECK(evs.front().seq == 16);
  CHECK(evs.back().seq == 25);
  CHECK(repo.prune_events(p) == 0);  // already within the limit

  p.max_events = 1;
  p.batch = 1;
  CHECK(repo.prune_events(p) == 9);
  CHECK(repo.oldest_seq() == 25);

  repo.write([](write_tx& tx) { tx.append(system_change{"tick", "{}"}); });
  CHECK(repo.last_seq() == 26);
  CHECK(seqs_of(all_events(repo)) == std::vector<std::uint64_t>{25, 26});
}

#ifndef SENSORHUB_TEST_PG  // SQLite files, SQLite options
TEST_CASE("pruning by age removes only events older than the limit") {
  temp_dir dir;
  const std::string path = dir.file("age.db");
  sqlite_repository repo(file_options(path));
  for (int i = 0; i < 12; ++i)
    repo.write([](write_tx& tx) { tx.append(system_change{"tick", "{}"}); });
  {
    // Age the first 7 events by two hours.
    raw_db raw(path);
    raw.exec("UPDATE events SET created_at = created_at - 7200000000 WHERE seq <= 7");
  }
  retention_policy p;
  p.max_age = std::chrono::hours(1);
  p.batch = 3;
  CHECK(repo.prune_events(p) == 7);
  CHECK(repo.oldest_seq() == 8);
  CHECK(repo.last_seq() == 12);
  CHECK(repo.prune_events(p) == 0);

  // Count and age together: whichever removes more wins.
  p.max_events = 2;
  CHECK(repo.prune_events(p) == 3);
  CHECK(repo.oldest_seq() == 11);
}
#endif

namespace {

reading add_reading(repository& repo, std::int64_t sensor_id, double valor, long long ts) {
  reading out;
  repo.write([&](write_tx& tx) {
    out = tx.insert_reading(make_reading(sensor_id, valor, ts));
    tx.append(created_change(out, "t"));
  });
  return out;
}

std::vector<sensor> sensors_by_id(repository& repo, std::vector<std::int64_t> ids) {
  std::vector<sensor> out;
  for (std::int64_t id : ids) out.push_back(repo.find_sensor(id).value());
  return out;
}

std::vector<reading> readings_by_id(repository& repo, std::vector<std::int64_t> ids) {
  std::vector<reading> out;
  for (std::int64_t id : ids) out.push_back(repo.find_reading(id).value());
  return out;
}

std::string sensors_state(repository& repo, const event_filter& f) {
  return repo.snapshot(channel::sensors, f).data_json;
}

std::string readings_state(repository& repo, const event_filter& f) {
  return repo.snapshot(channel::readings, f).data_json;
}

}  // namespace

TEST_CASE("snapshot of sensors: filter keys select the sensors, event_type does not") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  const auto s1 = add_sensor(repo, "temperatura").id;
  const auto s2 = add_sensor(repo, "humedad").id;
  const auto s3 = add_sensor(repo, "temperatura").id;
  const auto s4 = add_sensor(repo, "presion").id;
  repo.write([&](write_tx& tx) { tx.append(system_change{"tick", "{}"}); });
  REQUIRE(repo.last_seq() == 5);

  const state_snapshot all = repo.snapshot(channel::sensors, {});
  CHECK(all.seq == 5);
  CHECK(all.data_json == to_json(sensors_by_id(repo, {s1, s2, s3, s4})));

  event_filter f;
  f.tipo = {"temperatura"};
  CHECK(sensors_state(repo, f) == to_json(sensors_by_id(repo, {s1, s3})));
  f.tipo = {"presion", "temperatura", "presion"};
  CHECK(sensors_state(repo, f) == to_json(sensors_by_id(repo, {s1, s3, s4})));

  f = {};
  f.entity_id = {s3, s1, s1};  // any order, duplicates ignored
  CHECK(sensors_state(repo, f) == to_json(sensors_by_id(repo, {s1, s3})));
  f.sensor_id = {s2, s3};  // different keys are AND
  CHECK(sensors_state(repo, f) == to_json(sensors_by_id(repo, {s3})));
  f.sensor_id = {s2};  // nothing allowed by both: empty, not everything
  CHECK(sensors_state(repo, f) == "[]");

  f = {};
  f.sensor_id = {s1, s2, 999};
  f.tipo = {"humedad"};
  CHECK(sensors_state(repo, f) == to_json(sensors_by_id(repo, {s2})));

  f = {};
  f.event_types = {event_type::deleted};  // restricts events, not state
  CHECK(sensors_state(repo, f) == all.data_json);

  f = {};
  f.entity_id = {12345};
  CHECK(sensors_state(repo, f) == "[]");

  const state_snapshot general = repo.snapshot(channel::general, {});
  CHECK(general.seq == 5);
  CHECK(general.data_json == "[]");

  sqlite_repository empty(memory_options());
  const state_snapshot none = empty.snapshot(channel::sensors, {});
  CHECK(none.seq == 0);
  CHECK(none.data_json == "[]");
}

TEST_CASE("snapshot of readings: each matching sensor's latest reading, by timestamp then id") {
  auto owner = fresh_repository();
  repository& repo = *owner;
  const auto s1 = add_sensor(repo, "temperatura").id;
  const auto s2 = add_sensor(repo, "humedad").id;
  add_sensor(repo, "temperatura");  // no readings: left out
  const auto r1 = add_reading(repo, s1, 1, 100).id;
  const auto r2 = add_reading(repo, s1, 2, 300).id;
  const auto r3 = add_reading(repo, s1, 3, 200).id;
  const auto r4 = add_reading(repo, s1, 4, 300).id;  // same timestamp as r2, higher id
  const auto r5 = add_reading(repo, s2, 5, 50).id;
  const auto r6 = add_reading(repo, s2, 6, 10).id;  // created later, measured earlier

  const state_snapshot all = repo.snapshot(channel::readings, {});
  CHECK(all.seq == repo.last_seq());
  CHECK(all.data_json == to_json(readings_by_id(repo, {r4, r5})));

  event_filter f;
  f.sensor_id = {s2};
  CHECK(readings_state(repo, f) == to_json(readings_by_id(repo, {r5})));
  f = {};
  f.tipo = {"temperatura"};
  CHECK(readings_state(repo, f) == to_json(readings_by_id(repo, {r4})));

  // entity_id restricts the readings: the latest of the listed ones per sensor.
  f = {};
  f.entity_id = {r6, r3, r2, 999};
  CHECK(readings_state(repo, f) == to_json(readings_by_id(repo, {r2, r6})));
  f.tipo = {"humedad"};
  CHECK(readings_state(repo, f) == to_json(readings_by_id(repo, {r6})));
  f.tipo.clear();
  f.sensor_id = {s1};
  CHECK(readings_state(repo, f) == to_json(readings_by_id(repo, {r2})));
  f.sensor_id = {s2};
  f.entity_id = {r1};
  CHECK(readings_state(repo, f) == "[]");

  f = {};
  f.event_types = {event_type::created};
  CHECK(readings_state(repo, f) == all.data_json);

  // A sensor's delete takes its readings out of the state.
  repo.write([&](write_tx& tx) { tx.delete_sensor(s1); });
  CHECK(readings_state(repo, {}) == to_json(readings_by_id(repo, {r5})));
}

TEST_CASE("snapshot under concurrent writers: the rows match the seq read with them") {
  temp_dir dir;
  auto owner = fresh_repository(dir.file("snapshot.db"));
  repository& repo = *owner;
  constexpr int writers = 4;
  constexpr int per_writer = 60;
  std::atomic<int> writers_done{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&] {
      for (int i = 0; i < per_writer; ++i) add_sensor(repo, "t");  // one event each
      ++writers_done;
    });
  }
  std::atomic<int> snapshots{0};
  std::atomic<bool> mismatch{false};
  std::mutex detail_mutex;
  std::string detail;
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      // At least a few snapshots even if the writers finish first.
      for (int n = 0; writers_done.load() < writers || n < 3; ++n) {
        const state_snapshot snap = repo.snapshot(channel::sensors, {});
        rapidjson::Document d;
        d.Parse(snap.data_json.c_str(), snap.data_json.size());
        // Every event is one sensor's creation: seq S means exactly S sensors.
        if (d.HasParseError() || !d.IsArray() || d.Size() != snap.seq) {
          mismatch = true;
          std::lock_guard<std::mutex> lock(detail_mutex);
          detail = "seq " + std::to_string(snap.seq) + " with " +
                   std::to_string(d.IsArray() ? d.Size() : 0) + " sensors";
        }
        ++snapshots;
      }
    });
  }
  for (auto& t : threads) t.join();
  CAPTURE(detail);
  CHECK_FALSE(mismatch.load());
  CHECK(snapshots.load() >= 6);
  const state_snapshot last = repo.snapshot(channel::sensors, {});
  CHECK(last.seq == writers * per_writer);
}

// SPDX-License-Identifier: MIT
// The tokens table's own migrations in a file shared with the core: fresh
// files in either order, files from release 0.1 (whose core migration 3
// created `tokens`), and files from a newer build.
#include <doctest/doctest.h>
#include <sqlite3.h>

#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/auth/sqlite_token_store.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "hex.hpp"

namespace fs = std::filesystem;
using namespace sensorhub;

namespace {

class temp_dir {
 public:
  temp_dir() {
    std::random_device rd;
    for (int attempt = 0; attempt < 100; ++attempt) {
      path_ = fs::temp_directory_path() / ("sensorhub-token-schema-" + std::to_string(rd()));
      if (fs::create_directory(path_)) return;
    }
    throw std::runtime_error("cannot create a temp dir");
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// The file through SQLite's C API, to build old files and look inside.
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
  bool has_table(const std::string& name) {
    return scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '" + name +
                  "'") == 1;
  }

 private:
  sqlite3* db_ = nullptr;
};

long long auth_version(raw_db& raw) {
  return raw.scalar("SELECT version FROM schema_versions WHERE component = 'auth'");
}

sqlite_options repo_options(const std::string& path) {
  sqlite_options o;
  o.path = path;
  o.busy_timeout = std::chrono::milliseconds(10000);
  return o;
}

// Release 0.1's schema, core migrations 1 to 3 as that release wrote them
// (3 created `tokens`; there was no schema_versions table), with data.
void write_release_0_1_file(const std::string& path, const token_hash& old_hash) {
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
INSERT INTO meta(key, value) VALUES ('last_seq', 1);
CREATE INDEX events_created_at ON events(created_at);
CREATE INDEX sensors_tipo ON sensors(tipo, id);
CREATE TABLE tokens (
  name TEXT PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used INTEGER,
  revoked_at INTEGER
);
INSERT INTO sensors VALUES (3, 'temperatura', 'DHT22', NULL, 1, 1000, 2000);
INSERT INTO events VALUES (1, 'sensors', 'entity', 'sensor', 'created', 3, 3, 'temperatura', '',
  1000, '{"type":"entity_event","seq":1}');
)sql");
  raw.exec("INSERT INTO tokens VALUES ('old-admin', X'" +
           detail::to_hex(old_hash.data(), old_hash.size()) +
           "', 'read,write,admin', 1000, 1500, NULL);"
           "INSERT INTO tokens VALUES ('old-revoked', X'00', 'read', 1000, NULL, 2000);"
           "PRAGMA user_version = 3; COMMIT;");
}

}  // namespace

TEST_CASE("a fresh file: the store creates only its own table and version") {
  temp_dir dir;
  const std::string path = dir.file("fresh.db");
  { sqlite_token_store store(path); }
  {
    raw_db raw(path);
    CHECK(raw.has_table("tokens"));
    CHECK(auth_version(raw) == sqlite_token_store::schema_version());
    CHECK(raw.scalar("PRAGMA user_version") == 0);  // the core's marker is not the store's
    CHECK_FALSE(raw.has_table("sensors"));
  }
  // The core migrates the same file afterwards and the tokens stay usable.
  sqlite_token_store store(path);
  const std::string t = store.create({"first", scope_read});
  sqlite_repository repo(repo_options(path));
  raw_db raw(path);
  CHECK(raw.scalar("PRAGMA user_version") == sqlite_repository::schema_version());
  const auto act = sqlite_token_store(path).active();
  REQUIRE(act.size() == 1);
  CHECK(hashes_equal(act[0].hash, hash_token(t)));
}

TEST_CASE("a fresh file migrated by the core alone has no tokens table until the store opens it") {
  temp_dir dir;
  const std::string path = dir.file("core.db");
  { sqlite_repository repo(repo_options(path)); }
  {
    raw_db raw(path);
    CHECK_FALSE(raw.has_table("tokens"));
    CHECK_FALSE(raw.has_table("schema_versions"));
  }
  sqlite_repository repo(repo_options(path));  // still open: the store shares the file
  sqlite_token_store store(path);
  store.create({"later", scope_write});
  raw_db raw(path);
  CHECK(raw.scalar("SELECT COUNT(*) FROM tokens") == 1);
  CHECK(auth_version(raw) == sqlite_token_store::schema_version());
  CHECK(raw.scalar("PRAGMA user_version") == sqlite_repository::schema_version());
}

TEST_CASE("a release 0.1 file keeps its tokens and works with both the core and the store") {
  temp_dir dir;
  const std::string path = dir.file("v0_1.db");
  const std::string old_token = "shk_" + std::string(64, 'a');
  write_release_0_1_file(path, hash_token(old_token));

  {
    sqlite_repository repo(repo_options(path));  // user_version 3: nothing to migrate
    auto s = repo.find_sensor(3);
    REQUIRE(s.has_value());
    CHECK(s->tipo == "temperatura");
    CHECK(repo.last_seq() == 1);
  }
  sqlite_token_store store(path);
  const auto act = store.active();
  REQUIRE(act.size() == 1);
  CHECK(act[0].name == "old-admin");
  CHECK(act[0].scopes == (scope_read | scope_write | scope_admin));
  CHECK(hashes_equal(act[0].hash, hash_token(old_token)));
  auto all = store.list();
  REQUIRE(all.size() == 2);
  CHECK(to_micros(*all[0].last_used) == 1500);
  CHECK(all[1].revoked_at.has_value());

  // Names stay taken, new tokens go into the same table, revocation works.
  CHECK_THROWS_AS(store.create({"old-revoked", scope_read}), error);
  store.create({"new", scope_read});
  CHECK(store.revoke("old-admin"));
  CHECK(store.active().size() == 1);

  raw_db raw(path);
  CHECK(auth_version(raw) == sqlite_token_store::schema_version());
  CHECK(raw.scalar("PRAGMA user_version") == sqlite_repository::schema_version());
  CHECK(raw.scalar("SELECT COUNT(*) FROM tokens") == 3);
  sqlite_repository repo(repo_options(path));
  CHECK(repo.find_sensor(3).has_value());
}

TEST_CASE("a tokens schema from a newer build is refused and left untouched") {
  temp_dir dir;
  const std::string path = dir.file("future.db");
  {
    raw_db raw(path);
    raw.exec(
        "CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL);"
        "INSERT INTO schema_versions VALUES ('auth', 99);");
  }
  try {
    sqlite_token_store store(path);
    FAIL("expected an error");
  } catch (const error& e) {
    CHECK(e.code() == errc::storage);
    CHECK(std::string(e.what()).find("tokens schema 99 is newer than this build") !=
          std::string::npos);
  }
  raw_db raw(path);
  CHECK(auth_version(raw) == 99);
  CHECK_FALSE(raw.has_table("tokens"));
}

TEST_CASE("stores opening one fresh file at the same time all migrate it safely") {
  temp_dir dir;
  const std::string path = dir.file("race.db");
  constexpr int openers = 4;
  std::vector<std::string> failures(openers);
  std::vector<std::thread> threads;
  for (int i = 0; i < openers; ++i) {
    threads.emplace_back([&, i] {
      try {
        sqlite_token_store store(path, std::chrono::seconds(10));
        store.create({"t" + std::to_string(i), scope_read});
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& f : failures) CHECK_MESSAGE(f.empty(), f);
  raw_db raw(path);
  CHECK(raw.scalar("SELECT COUNT(*) FROM tokens") == openers);
  CHECK(raw.scalar("SELECT COUNT(*) FROM schema_versions") == 1);
}

TEST_CASE("a schema-1 file (tokens without data scopes) migrates: its tokens stay unscoped") {
  temp_dir dir;
  const std::string path = dir.file("v1.db");
  const token_hash old_hash = hash_token("shk_old");
  {
    raw_db raw(path);
    raw.exec(
        "CREATE TABLE tokens (name TEXT PRIMARY KEY, hash BLOB NOT NULL UNIQUE, scopes TEXT NOT "
        "NULL, created_at INTEGER NOT NULL, last_used INTEGER, revoked_at INTEGER);"
        "CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL);"
        "INSERT INTO schema_versions VALUES ('auth', 1);");
    const std::string hex = detail::to_hex(old_hash.data(), old_hash.size());
    raw.exec("INSERT INTO tokens(name, hash, scopes, created_at) VALUES ('old', X'" + hex +
             "', 'read', 1000)");
  }
  sqlite_token_store store(path);
  const auto act = store.active();
  REQUIRE(act.size() == 1);
  CHECK(act[0].name == "old");
  CHECK(hashes_equal(act[0].hash, old_hash));
  CHECK(act[0].where.unrestricted());
  token_params p{"team", scope_read, {}};
  p.where.tipo = {"temperatura"};
  store.create(p);
  const auto all = store.list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].where.unrestricted());
  CHECK(all[1].where.tipo == std::vector<std::string>{"temperatura"});
  raw_db raw(path);
  CHECK(auth_version(raw) == 2);
  CHECK(raw.scalar("SELECT COUNT(*) FROM tokens WHERE data_scope IS NULL") == 1);
}

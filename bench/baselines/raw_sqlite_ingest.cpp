// SPDX-License-Identifier: MIT
// raw_sqlite_ingest: the ceiling for batch ingest (issue 9). The schema of the
// daemon's readings and event log (sensorhub's migrations 1, 2 and 4), the
// same pragmas (WAL, synchronous=NORMAL, foreign keys), then N readings and
// N event rows (each with its entity_event JSON, formatted per row) inserted
// in one transaction with two prepared statements, through SQLite's C API.
// Prints one line: raw_sqlite_ingest readings=N seconds=S readings_per_s=R
#include <sqlite3.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "sensorhub/version.hpp"

namespace {

constexpr const char* schema = R"sql(
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
  json TEXT NOT NULL, ubicacion TEXT, before_tipo TEXT, before_ubicacion TEXT);
CREATE INDEX events_channel_seq ON events(channel, seq);
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta(key, value) VALUES ('last_seq', 0);
CREATE INDEX events_created_at ON events(created_at);
CREATE INDEX sensors_tipo ON sensors(tipo, id);
INSERT INTO sensors(tipo, modelo, ubicacion, activo, created_at, updated_at)
  VALUES ('temperatura', 'DHT22', 'lab', 1, 1753000000000000, 1753000000000000);
)sql";

constexpr const char* insert_reading =
    "INSERT INTO lecturas(sensor_id, valor, unidad, ts, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?)";
constexpr const char* insert_event =
    "INSERT INTO events(seq, channel, kind, entity_type, event_type, entity_id, sensor_id, tipo, "
    "name, created_at, json, ubicacion, before_tipo, before_ubicacion) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

void check(sqlite3* db, int rc, const char* what) {
  if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
    throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(db));
  }
}

void exec(sqlite3* db, const char* sql) {
  check(db, sqlite3_exec(db, sql, nullptr, nullptr, nullptr), sql);
}

sqlite3_stmt* prepare(sqlite3* db, const char* sql) {
  sqlite3_stmt* st = nullptr;
  check(db, sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr), sql);
  return st;
}

// Inserts rows 1..n (reading id == seq here: a fresh database) in one
// transaction.
void ingest(sqlite3* db, long n) {
  sqlite3_stmt* r = prepare(db, insert_reading);
  sqlite3_stmt* e = prepare(db, insert_event);
  const long long at = 1753000000000000LL;
  const char* stamp = "2025-07-20T05:35:02.000120+00:00";
  char json[512];
  exec(db, "BEGIN IMMEDIATE");
  for (long i = 1; i <= n; ++i) {
    const double valor = 20.0 + static_cast<double>(i % 100) / 10.0;
    sqlite3_bind_int64(r, 1, 1);
    sqlite3_bind_double(r, 2, valor);
    sqlite3_bind_text(r, 3, "C", 1, SQLITE_STATIC);
    sqlite3_bind_int64(r, 4, at + i);
    sqlite3_bind_int64(r, 5, at + i);
    sqlite3_bind_int64(r, 6, at + i);
    check(db, sqlite3_step(r), "insert reading");
    sqlite3_reset(r);
    const long long id = sqlite3_last_insert_rowid(db);
    const int len = std::snprintf(
        json, sizeof json,
        "{\"type\":\"entity_event\",\"seq\":%ld,\"channel\":\"readings\",\"entity_type\":"
        "\"lectura\",\"event_type\":\"created\",\"entity_id\":%lld,\"data\":{\"id\":%lld,"
        "\"sensor_id\":1,\"valor\":%.17g,\"unidad\":\"C\",\"timestamp\":\"%s\",\"created_at\":"
        "\"%s\",\"updated_at\":\"%s\"},\"timestamp\":\"%s\",\"metadata\":{\"action\":"
        "\"create_lectura\"}}",
        i, id, id, valor, stamp, stamp, stamp, stamp);
    sqlite3_bind_int64(e, 1, i);
    sqlite3_bind_text(e, 2, "readings", -1, SQLITE_STATIC);
    sqlite3_bind_text(e, 3, "entity", -1, SQLITE_STATIC);
    sqlite3_bind_text(e, 4, "lectura", -1, SQLITE_STATIC);
    sqlite3_bind_text(e, 5, "created", -1, SQLITE_STATIC);
    sqlite3_bind_int64(e, 6, id);
    sqlite3_bind_int64(e, 7, 1);
    sqlite3_bind_text(e, 8, "temperatura", -1, SQLITE_STATIC);
    sqlite3_bind_text(e, 9, "", 0, SQLITE_STATIC);
    sqlite3_bind_int64(e, 10, at + i);
    sqlite3_bind_text(e, 11, json, len, SQLITE_STATIC);
    sqlite3_bind_text(e, 12, "lab", -1, SQLITE_STATIC);
    sqlite3_bind_null(e, 13);
    sqlite3_bind_null(e, 14);
    check(db, sqlite3_step(e), "insert event");
    sqlite3_reset(e);
  }
  sqlite3_stmt* m = prepare(db, "UPDATE meta SET value = ? WHERE key = 'last_seq'");
  sqlite3_bind_int64(m, 1, n);
  check(db, sqlite3_step(m), "update meta");
  sqlite3_finalize(m);
  exec(db, "COMMIT");
  sqlite3_finalize(r);
  sqlite3_finalize(e);
}

}  // namespace

int main(int argc, char** argv) {
  long n = 10000;
  std::string path = "raw_sqlite_ingest.db";
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("sensorhub_raw_sqlite_ingest %s\n", SENSORHUB_VERSION);
    return 0;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--readings") == 0) {
      n = std::atol(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--db") == 0) {
      path = argv[i + 1];
    } else {
      std::fprintf(stderr, "usage: %s [--readings N] [--db PATH]\n", argv[0]);
      return 2;
    }
  }
  if (n <= 0 || (argc % 2) == 0) {
    std::fprintf(stderr, "usage: %s [--readings N] [--db PATH]\n", argv[0]);
    return 2;
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
  sqlite3* db = nullptr;
  try {
    if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) throw std::runtime_error("cannot open");
    exec(db, "PRAGMA journal_mode=WAL");
    exec(db, "PRAGMA synchronous=NORMAL");
    exec(db, "PRAGMA foreign_keys=ON");
    exec(db, schema);
    const auto start = std::chrono::steady_clock::now();
    ingest(db, n);
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("raw_sqlite_ingest readings=%ld seconds=%.6f readings_per_s=%.0f\n", n, s,
                static_cast<double>(n) / s);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "raw_sqlite_ingest: %s\n", ex.what());
    sqlite3_close(db);
    return 1;
  }
  sqlite3_close(db);
  return 0;
}

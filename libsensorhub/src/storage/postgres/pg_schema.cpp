// SPDX-License-Identifier: MIT
#include "storage/postgres/pg_schema.hpp"

#include <pqxx/transaction>

#include <string>

#include "sensorhub/error.hpp"

namespace sensorhub::detail {

namespace {

// Migration N (1-based) takes the schema from version N-1 to N. Never edit a
// released migration: append a new one. The tables mirror the SQLite ones
// (storage/sqlite/sqlite_schema.cpp at its version 8): times are
// microseconds since the epoch (BIGINT), activo is a boolean.
constexpr const char* migrations[] = {
    // 1: everything SQLite's migrations 1..8 built, plus the one-row seq
    // counter whose row lock orders commits (SPEC §12).
    R"sql(
CREATE TABLE sensors (
  id BIGSERIAL PRIMARY KEY,
  tipo TEXT NOT NULL,
  modelo TEXT NOT NULL,
  ubicacion TEXT,
  activo BOOLEAN NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX sensors_tipo ON sensors(tipo, id);
CREATE TABLE lecturas (
  id BIGSERIAL PRIMARY KEY,
  sensor_id BIGINT NOT NULL REFERENCES sensors(id) ON DELETE CASCADE,
  valor DOUBLE PRECISION NOT NULL,
  unidad TEXT,
  ts BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX lecturas_sensor_ts_valor ON lecturas(sensor_id, ts, id) INCLUDE (valor);
CREATE INDEX lecturas_ts ON lecturas(ts, id);
CREATE TABLE events (
  seq BIGINT PRIMARY KEY,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  entity_type TEXT,
  event_type TEXT,
  entity_id BIGINT NOT NULL DEFAULT 0,
  sensor_id BIGINT NOT NULL DEFAULT 0,
  tipo TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  json TEXT NOT NULL,
  ubicacion TEXT,
  before_tipo TEXT,
  before_ubicacion TEXT
);
CREATE INDEX events_channel_seq ON events(channel, seq);
CREATE INDEX events_created_at ON events(created_at);
CREATE TABLE event_counter (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq BIGINT NOT NULL
);
INSERT INTO event_counter(id, last_seq) VALUES (1, 0);
CREATE TABLE idempotency_keys (
  owner TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys(created_at);
CREATE TABLE sensor_liveness (
  sensor_id BIGINT PRIMARY KEY REFERENCES sensors(id) ON DELETE CASCADE,
  stale BOOLEAN NOT NULL
);
CREATE TABLE lecturas_hourly (
  sensor_id BIGINT NOT NULL REFERENCES sensors(id) ON DELETE CASCADE,
  hour BIGINT NOT NULL,
  count BIGINT NOT NULL,
  min DOUBLE PRECISION NOT NULL,
  max DOUBLE PRECISION NOT NULL,
  sum DOUBLE PRECISION NOT NULL,
  first_ts BIGINT NOT NULL,
  first_valor DOUBLE PRECISION NOT NULL,
  last_ts BIGINT NOT NULL,
  last_valor DOUBLE PRECISION NOT NULL,
  PRIMARY KEY (sensor_id, hour)
);
CREATE INDEX lecturas_hourly_hour ON lecturas_hourly(hour);
)sql",
};

constexpr int latest = static_cast<int>(sizeof(migrations) / sizeof(migrations[0]));

// pg_advisory_xact_lock keys of sensorhub, one per job: ...0000 these
// migrations, ...0001 the readings retention fold (pg_retention.cpp),
// ...0002 the token store's schema (auth/src/postgres_token_store.cpp).
constexpr const char* lock_sql = "SELECT pg_advisory_xact_lock(7306086930176390000)";

}  // namespace

int pg_latest_schema_version() noexcept { return latest; }

void pg_migrate(pqxx::connection& c) {
  pqxx::work tx(c);
  tx.exec(lock_sql);
  tx.exec0("CREATE TABLE IF NOT EXISTS sensorhub_schema (version INTEGER NOT NULL)");
  pqxx::result r = tx.exec("SELECT version FROM sensorhub_schema");
  int current = 0;
  if (r.empty()) {
    tx.exec0("INSERT INTO sensorhub_schema(version) VALUES (0)");
  } else {
    current = r[0][0].as<int>();
  }
  if (current > latest) {
    throw error(errc::storage, "database schema " + std::to_string(current) +
                                   " is newer than this build (" + std::to_string(latest) + ")");
  }
  for (int v = current + 1; v <= latest; ++v) {
    tx.exec0(migrations[v - 1]);
    tx.exec0("UPDATE sensorhub_schema SET version = " + std::to_string(v));
  }
  tx.commit();
}

}  // namespace sensorhub::detail

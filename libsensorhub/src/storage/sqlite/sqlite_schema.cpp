// SPDX-License-Identifier: MIT
#include "storage/sqlite/sqlite_schema.hpp"

#include <SQLiteCpp/Transaction.h>

#include <string>

#include "sensorhub/error.hpp"

namespace sensorhub::detail {

namespace {

// Migration N (1-based) takes the schema from version N-1 to N. Never edit a
// released migration: append a new one.
constexpr const char* migrations[] = {
    // 1: sensors, readings, the event log and the sequence counter.
    R"sql(
CREATE TABLE sensors (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  tipo TEXT NOT NULL,
  modelo TEXT NOT NULL,
  ubicacion TEXT,
  activo INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE TABLE lecturas (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  sensor_id INTEGER NOT NULL REFERENCES sensors(id) ON DELETE CASCADE,
  valor REAL NOT NULL,
  unidad TEXT,
  ts INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
CREATE INDEX lecturas_sensor_ts ON lecturas(sensor_id, ts, id);
CREATE INDEX lecturas_ts ON lecturas(ts, id);
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  channel TEXT NOT NULL,
  kind TEXT NOT NULL,
  entity_type TEXT,
  event_type TEXT,
  entity_id INTEGER NOT NULL DEFAULT 0,
  sensor_id INTEGER NOT NULL DEFAULT 0,
  tipo TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX events_channel_seq ON events(channel, seq);
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value INTEGER NOT NULL
);
INSERT INTO meta(key, value) VALUES ('last_seq', 0);
)sql",
    // 2: indexes for retention by age and for listing sensors by tipo.
    R"sql(
CREATE INDEX events_created_at ON events(created_at);
CREATE INDEX sensors_tipo ON sensors(tipo, id);
)sql",
    // 3: intentionally empty. Releases up to 0.1 created the API tokens
    // table here; tokens now belong to sensorhub::auth, which creates that
    // table itself under its own version marker and adopts the one such
    // files hold. The step stays so that user_version 3 still means "up to
    // date" for those files, and the core alone no longer creates `tokens`.
    "",
    // 4: the scope keys of each event (data scopes, SPEC §7.1), so that
    // replay and /events give a scoped reader the view it had live: the
    // sensor's ubicacion at commit, and for a sensor update that changed tipo
    // or ubicacion the keys before it. Older events are backfilled from the
    // log itself (a sensor event's own data; for a reading, the latest
    // earlier event of its sensor, else the sensor row as it is now; before
    // keys from the sensor's previous event, none when that was pruned).
    R"sql(
ALTER TABLE events ADD COLUMN ubicacion TEXT;
ALTER TABLE events ADD COLUMN before_tipo TEXT;
ALTER TABLE events ADD COLUMN before_ubicacion TEXT;
CREATE INDEX events_migration_4 ON events(entity_type, entity_id, seq);
UPDATE events SET ubicacion = json_extract(json, '$.data.ubicacion')
  WHERE kind = 'entity' AND entity_type = 'sensor' AND json_valid(json);
UPDATE events SET ubicacion = CASE
    WHEN EXISTS (SELECT 1 FROM events e2 WHERE e2.entity_type = 'sensor'
                 AND e2.entity_id = events.sensor_id AND e2.seq < events.seq)
    THEN (SELECT e2.ubicacion FROM events e2 WHERE e2.entity_type = 'sensor'
          AND e2.entity_id = events.sensor_id AND e2.seq < events.seq
          ORDER BY e2.seq DESC LIMIT 1)
    ELSE (SELECT s.ubicacion FROM sensors s WHERE s.id = events.sensor_id) END
  WHERE kind = 'entity' AND entity_type = 'lectura';
UPDATE events SET (before_tipo, before_ubicacion) =
    (SELECT e2.tipo, e2.ubicacion FROM events e2 WHERE e2.entity_type = 'sensor'
     AND e2.entity_id = events.entity_id AND e2.seq < events.seq
     ORDER BY e2.seq DESC LIMIT 1)
  WHERE kind = 'entity' AND entity_type = 'sensor' AND event_type = 'updated';
UPDATE events SET before_tipo = NULL, before_ubicacion = NULL
  WHERE before_tipo IS NOT NULL AND before_tipo = tipo AND before_ubicacion IS ubicacion;
DROP INDEX events_migration_4;
)sql",
    // 5: a covering index for aggregates (SPEC §13): valor joins the
    // (sensor_id, ts, id) index, so agg never touches the table rows. It
    // replaces lecturas_sensor_ts, whose queries it serves as well.
    R"sql(
CREATE INDEX lecturas_sensor_ts_valor ON lecturas(sensor_id, ts, id, valor);
DROP INDEX lecturas_sensor_ts;
)sql",
    // 6: answers kept for Idempotency-Key (SPEC §13), written in the
    // transaction of the write they answer; expired after 24 h.
    R"sql(
CREATE TABLE idempotency_keys (
  id INTEGER PRIMARY KEY,
  owner TEXT NOT NULL,
  key TEXT NOT NULL,
  request_hash TEXT NOT NULL,
  status INTEGER NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  UNIQUE (owner, key)
);
CREATE INDEX idempotency_keys_created_at ON idempotency_keys(created_at);
)sql",
    // 7: liveness (SPEC §13): the sensors last reported stale, so that each
    // sensor_stale / sensor_fresh transition is reported once, across restarts.
    R"sql(
CREATE TABLE sensor_liveness (
  sensor_id INTEGER PRIMARY KEY REFERENCES sensors(id) ON DELETE CASCADE,
  stale INTEGER NOT NULL
);
)sql",
    // 8: hourly rollups of readings (SPEC §13 retention). One row per sensor
    // and UTC hour (`hour` = start of the hour, microseconds): enough to
    // answer count/min/max/avg/first/last for any whole-hour bucket once the
    // raw readings of that hour are deleted by storage.readings_retention_s.
    // Written only by the retention pass, in the transaction that deletes
    // the readings it folds.
    R"sql(
CREATE TABLE IF NOT EXISTS lecturas_hourly (
  sensor_id INTEGER NOT NULL REFERENCES sensors(id) ON DELETE CASCADE,
  hour INTEGER NOT NULL,
  count INTEGER NOT NULL,
  min REAL NOT NULL,
  max REAL NOT NULL,
  sum REAL NOT NULL,
  first_ts INTEGER NOT NULL,
  first_valor REAL NOT NULL,
  last_ts INTEGER NOT NULL,
  last_valor REAL NOT NULL,
  PRIMARY KEY (sensor_id, hour)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS lecturas_hourly_hour ON lecturas_hourly(hour);
)sql",
};

constexpr int latest = static_cast<int>(sizeof(migrations) / sizeof(migrations[0]));

}  // namespace

int sqlite_latest_schema_version() noexcept { return latest; }

int sqlite_read_schema_version(SQLite::Database& db) {
  return db.execAndGet("PRAGMA user_version").getInt();
}

void sqlite_check_schema_version(SQLite::Database& db) {
  const int current = sqlite_read_schema_version(db);
  if (current > latest) {
    throw error(errc::storage, "database schema " + std::to_string(current) +
                                   " is newer than this build (" + std::to_string(latest) + ")");
  }
}

void sqlite_migrate(SQLite::Database& db) {
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  // Read again under the write lock: another process may have migrated.
  sqlite_check_schema_version(db);
  const int current = sqlite_read_schema_version(db);
  if (current == latest) {
    return;  // nothing to do; the transaction rolls back harmlessly
  }
  for (int v = current + 1; v <= latest; ++v) {
    db.exec(migrations[v - 1]);
    db.exec("PRAGMA user_version = " + std::to_string(v));
  }
  tx.commit();
}

}  // namespace sensorhub::detail

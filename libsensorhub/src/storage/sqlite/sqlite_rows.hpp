// SPDX-License-Identifier: MIT
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include <cstdint>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/model.hpp"

// Row mapping between the SQLite tables and the model types, and the SQL the
// repository runs. Statements that read a row select the columns in the order
// the read_* functions expect.
namespace sensorhub::detail {

// --- sensors (columns: id, tipo, modelo, ubicacion, activo, created_at, updated_at)
inline constexpr const char sql_find_sensor[] =
    "SELECT id, tipo, modelo, ubicacion, activo, created_at, updated_at FROM sensors WHERE id = ?";
inline constexpr const char sql_list_sensors[] =
    "SELECT id, tipo, modelo, ubicacion, activo, created_at, updated_at FROM sensors "
    "ORDER BY id LIMIT ? OFFSET ?";
inline constexpr const char sql_list_sensors_tipo[] =
    "SELECT id, tipo, modelo, ubicacion, activo, created_at, updated_at FROM sensors "
    "WHERE tipo = ? ORDER BY id LIMIT ? OFFSET ?";
// Snapshots: every sensor, or those of one tipo, ascending id (no paging).
inline constexpr const char sql_all_sensors[] =
    "SELECT id, tipo, modelo, ubicacion, activo, created_at, updated_at FROM sensors ORDER BY id";
inline constexpr const char sql_sensors_of_tipo[] =
    "SELECT id, tipo, modelo, ubicacion, activo, created_at, updated_at FROM sensors "
    "WHERE tipo = ? ORDER BY id";
inline constexpr const char sql_insert_sensor[] =
    "INSERT INTO sensors(tipo, modelo, ubicacion, activo, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?)";
inline constexpr const char sql_update_sensor[] =
    "UPDATE sensors SET tipo = ?, modelo = ?, ubicacion = ?, activo = ?, created_at = ?, "
    "updated_at = ? WHERE id = ?";
inline constexpr const char sql_delete_sensor[] = "DELETE FROM sensors WHERE id = ?";
inline constexpr const char sql_count_sensor_readings[] =
    "SELECT COUNT(*) FROM lecturas WHERE sensor_id = ?";

// --- lecturas (columns: id, sensor_id, valor, unidad, ts, created_at, updated_at)
inline constexpr const char sql_find_reading[] =
    "SELECT id, sensor_id, valor, unidad, ts, created_at, updated_at FROM lecturas WHERE id = ?";
// Bindings: since (inclusive), until (exclusive), limit, offset.
inline constexpr const char sql_list_readings[] =
    "SELECT id, sensor_id, valor, unidad, ts, created_at, updated_at FROM lecturas "
    "WHERE ts >= ? AND ts < ? ORDER BY ts DESC, id DESC LIMIT ? OFFSET ?";
// Bindings: sensor_id, since, until, limit, offset.
inline constexpr const char sql_list_readings_sensor[] =
    "SELECT id, sensor_id, valor, unidad, ts, created_at, updated_at FROM lecturas "
    "WHERE sensor_id = ? AND ts >= ? AND ts < ? ORDER BY ts DESC, id DESC LIMIT ? OFFSET ?";
// A sensor's latest reading (by ts, then id). Bindings: sensor_id.
inline constexpr const char sql_latest_reading[] =
    "SELECT id, sensor_id, valor, unidad, ts, created_at, updated_at FROM lecturas "
    "WHERE sensor_id = ? ORDER BY ts DESC, id DESC LIMIT 1";
// --- scoped lists (data_scope.hpp): the scope's three lists are bound as JSON
// arrays, NULL for an empty list (no restriction); a NULL ubicacion is in no
// list. This is the SQL mirror of data_scope::contains, for paging in SQL.
// Named bindings: :tipo (NULL: any), :ids, :tipos, :ubis, :limit, :offset.
inline constexpr const char sql_list_sensors_scoped[] =
    "SELECT id, tipo, modelo, ubicacion, activo, created_at, updated_at FROM sensors "
    "WHERE (:tipo IS NULL OR tipo = :tipo) "
    "AND (:ids IS NULL OR id IN (SELECT value FROM json_each(:ids))) "
    "AND (:tipos IS NULL OR tipo IN (SELECT value FROM json_each(:tipos))) "
    "AND (:ubis IS NULL OR ubicacion IN (SELECT value FROM json_each(:ubis))) "
    "ORDER BY id LIMIT :limit OFFSET :offset";
// Named bindings: :sensor (NULL: any), :since, :until, :ids, :tipos, :ubis,
// :limit, :offset.
inline constexpr const char sql_list_readings_scoped[] =
    "SELECT id, sensor_id, valor, unidad, ts, created_at, updated_at FROM lecturas "
    "WHERE (:sensor IS NULL OR sensor_id = :sensor) AND ts >= :since AND ts < :until "
    "AND sensor_id IN (SELECT id FROM sensors "
    "WHERE (:ids IS NULL OR id IN (SELECT value FROM json_each(:ids))) "
    "AND (:tipos IS NULL OR tipo IN (SELECT value FROM json_each(:tipos))) "
    "AND (:ubis IS NULL OR ubicacion IN (SELECT value FROM json_each(:ubis)))) "
    "ORDER BY ts DESC, id DESC LIMIT :limit OFFSET :offset";
inline constexpr const char sql_insert_reading[] =
    "INSERT INTO lecturas(sensor_id, valor, unidad, ts, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?)";
inline constexpr const char sql_update_reading[] =
    "UPDATE lecturas SET sensor_id = ?, valor = ?, unidad = ?, ts = ?, created_at = ?, "
    "updated_at = ? WHERE id = ?";
inline constexpr const char sql_delete_reading[] = "DELETE FROM lecturas WHERE id = ?";

// --- events (columns: seq, channel, kind, entity_type, event_type, entity_id,
//     sensor_id, tipo, name, created_at, json, ubicacion, before_tipo,
//     before_ubicacion; the last three are the scope keys of migration 4:
//     the sensor's ubicacion at commit, and for a sensor update that changed
//     tipo or ubicacion the keys before it, NULL before_tipo otherwise)
inline constexpr const char sql_insert_event[] =
    "INSERT INTO events(seq, channel, kind, entity_type, event_type, entity_id, sensor_id, tipo, "
    "name, created_at, json, ubicacion, before_tipo, before_ubicacion) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
// Bindings: since, limit.
inline constexpr const char sql_events_all[] =
    "SELECT seq, channel, kind, entity_type, event_type, entity_id, sensor_id, tipo, name, "
    "created_at, json, ubicacion, before_tipo, before_ubicacion FROM events WHERE seq > ? "
    "ORDER BY seq LIMIT ?";
// Bindings: since, three channel names (repeat one to ask for fewer), limit.
inline constexpr const char sql_events_channels[] =
    "SELECT seq, channel, kind, entity_type, event_type, entity_id, sensor_id, tipo, name, "
    "created_at, json, ubicacion, before_tipo, before_ubicacion FROM events WHERE seq > ? AND "
    "channel IN (?, ?, ?) ORDER BY seq LIMIT ?";
inline constexpr const char sql_read_last_seq[] = "SELECT value FROM meta WHERE key = 'last_seq'";
inline constexpr const char sql_max_seq[] = "SELECT COALESCE(MAX(seq), 0) FROM events";
inline constexpr const char sql_min_seq[] = "SELECT COALESCE(MIN(seq), 0) FROM events";
inline constexpr const char sql_write_last_seq[] =
    "UPDATE meta SET value = ? WHERE key = 'last_seq'";
// The seq below which events exceed the count limit. Bindings: max_events.
inline constexpr const char sql_count_cutoff[] =
    "SELECT seq FROM events ORDER BY seq DESC LIMIT 1 OFFSET ?";
// The newest seq older than the age limit. Bindings: cutoff micros.
inline constexpr const char sql_age_cutoff[] =
    "SELECT COALESCE(MAX(seq), 0) FROM events WHERE created_at < ?";
// Bindings: cutoff seq (inclusive), batch size.
inline constexpr const char sql_prune_batch[] =
    "DELETE FROM events WHERE seq IN (SELECT seq FROM events WHERE seq <= ? ORDER BY seq LIMIT ?)";

sensor read_sensor(const SQLite::Statement& st);
reading read_reading(const SQLite::Statement& st);
event read_event(const SQLite::Statement& st);

// Bind the columns of the INSERT/UPDATE statements above from index 1, in
// the order of the statement (without id); return the next free index.
int bind_sensor(SQLite::Statement& st, const sensor& s);
int bind_reading(SQLite::Statement& st, const reading& l);
void bind_event(SQLite::Statement& st, const event& e, timestamp at);

// Binds :ids, :tipos and :ubis of the scoped statements above.
void bind_scope(SQLite::Statement& st, const data_scope& scope);

// size_t -> SQLite integer, saturating.
std::int64_t to_sql_count(std::size_t n) noexcept;

}  // namespace sensorhub::detail

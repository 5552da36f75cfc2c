// SPDX-License-Identifier: MIT
#pragma once

#include <pqxx/row>
#include <pqxx/transaction_base>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/model.hpp"

// Row mapping between the PostgreSQL tables (pg_schema.cpp) and the model
// types. Statements that read a row select the columns in the order the
// read_* functions expect: the *_columns strings below.
namespace sensorhub::detail {

inline constexpr const char pg_sensor_columns[] =
    "id, tipo, modelo, ubicacion, activo, created_at, updated_at";
inline constexpr const char pg_reading_columns[] =
    "id, sensor_id, valor, unidad, ts, created_at, updated_at";
inline constexpr const char pg_event_columns[] =
    "seq, channel, kind, entity_type, event_type, entity_id, sensor_id, tipo, name, "
    "created_at, json, ubicacion, before_tipo, before_ubicacion";

sensor pg_read_sensor(const pqxx::row& r);
reading pg_read_reading(const pqxx::row& r);
event pg_read_event(const pqxx::row& r);

std::optional<std::string> pg_optional_text(const pqxx::field& f);
std::int64_t pg_micros(timestamp t) noexcept;
timestamp pg_time(const pqxx::field& f);

// One row of the events table as a VALUES tuple of SQL literals, quoted by
// `tx`: "(seq, channel, ..., before_ubicacion)" in pg_event_columns order.
std::string pg_event_values(pqxx::transaction_base& tx, const event& e, timestamp at);

// The scope's lists as PostgreSQL array literals, bound as bigint[] / text[]
// parameters, or nullopt (NULL) for an empty list (no restriction): the SQL
// mirror of data_scope::contains, e.g. "($2::bigint[] IS NULL OR id =
// ANY($2::bigint[]))" (pg_lists.cpp).
std::optional<std::string> pg_id_array(const std::vector<std::int64_t>& ids);
std::optional<std::string> pg_text_array(const std::vector<std::string>& values);

// size_t -> bigint, saturating.
std::int64_t pg_count(std::size_t n) noexcept;

}  // namespace sensorhub::detail

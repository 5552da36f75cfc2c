// SPDX-License-Identifier: MIT
#include "storage/sqlite/sqlite_rows.hpp"

#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "json/event_views.hpp"
#include "sensorhub/codec.hpp"
#include "storage/event_columns.hpp"

namespace sensorhub::detail {

namespace {

std::optional<std::string> optional_text(const SQLite::Statement& st, int col) {
  const SQLite::Column c = st.getColumn(col);
  if (c.isNull()) {
    return std::nullopt;
  }
  return c.getString();
}

// `v` must stay alive and unchanged until the statement is reset.
void bind_optional_text_no_copy(SQLite::Statement& st, int index,
                                const std::optional<std::string>& v) {
  if (v) {
    st.bindNoCopy(index, *v);
  } else {
    st.bind(index);
  }
}

std::int64_t micros(timestamp t) noexcept { return static_cast<std::int64_t>(to_micros(t)); }

timestamp column_time(const SQLite::Statement& st, int col) {
  return from_micros(static_cast<long long>(st.getColumn(col).getInt64()));
}

}  // namespace

std::int64_t to_sql_count(std::size_t n) noexcept {
  constexpr auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return n > max ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(n);
}

sensor read_sensor(const SQLite::Statement& st) {
  sensor s;
  s.id = st.getColumn(0).getInt64();
  s.tipo = st.getColumn(1).getString();
  s.modelo = st.getColumn(2).getString();
  s.ubicacion = optional_text(st, 3);
  s.activo = st.getColumn(4).getInt64() != 0;
  s.created_at = column_time(st, 5);
  s.updated_at = column_time(st, 6);
  return s;
}

reading read_reading(const SQLite::Statement& st) {
  reading l;
  l.id = st.getColumn(0).getInt64();
  l.sensor_id = st.getColumn(1).getInt64();
  l.valor = st.getColumn(2).getDouble();
  l.unidad = optional_text(st, 3);
  l.timestamp = column_time(st, 4);
  l.created_at = column_time(st, 5);
  l.updated_at = column_time(st, 6);
  return l;
}

event read_event(const SQLite::Statement& st) {
  event e;
  e.seq = static_cast<std::uint64_t>(st.getColumn(0).getInt64());
  e.chan = parse_channel(st.getColumn(1).getString()).value_or(channel::general);
  e.kind = parse_kind(st.getColumn(2).getString());
  e.entity = parse_entity(optional_text(st, 3));
  const auto type = optional_text(st, 4);
  e.type = type ? parse_event_type(*type).value_or(event_type::created) : event_type::created;
  e.entity_id = st.getColumn(5).getInt64();
  e.sensor_id = st.getColumn(6).getInt64();
  e.tipo = st.getColumn(7).getString();
  e.name = st.getColumn(8).getString();
  e.json = std::make_shared<const std::string>(st.getColumn(10).getString());
  if (e.kind == event_kind::entity) {
    if (auto u = optional_text(st, 11)) e.ubicacion = std::make_shared<const std::string>(*u);
    if (auto before_tipo = optional_text(st, 12)) {
      attach_scope_move(e, scope_keys{std::move(*before_tipo), optional_text(st, 13)});
    }
  }
  return e;
}

// The text bindings below do not copy: the bound objects outlive the
// statement's step (the write_tx binds, steps and resets in one call).
int bind_sensor(SQLite::Statement& st, const sensor& s) {
  st.bindNoCopy(1, s.tipo);
  st.bindNoCopy(2, s.modelo);
  bind_optional_text_no_copy(st, 3, s.ubicacion);
  st.bind(4, s.activo ? 1 : 0);
  st.bind(5, micros(s.created_at));
  st.bind(6, micros(s.updated_at));
  return 7;
}

int bind_reading(SQLite::Statement& st, const reading& l) {
  st.bind(1, static_cast<std::int64_t>(l.sensor_id));
  st.bind(2, l.valor);
  bind_optional_text_no_copy(st, 3, l.unidad);
  st.bind(4, micros(l.timestamp));
  st.bind(5, micros(l.created_at));
  st.bind(6, micros(l.updated_at));
  return 7;
}

void bind_event(SQLite::Statement& st, const event& e, timestamp at) {
  st.bind(1, static_cast<std::int64_t>(e.seq));
  st.bindNoCopy(2, channel_name(e.chan));
  st.bindNoCopy(3, kind_name(e.kind));
  if (const char* entity = entity_name(e.entity)) {
    st.bindNoCopy(4, entity);
  } else {
    st.bind(4);
  }
  if (e.kind == event_kind::entity) {
    st.bindNoCopy(5, event_type_name(e.type));
  } else {
    st.bind(5);
  }
  st.bind(6, static_cast<std::int64_t>(e.entity_id));
  st.bind(7, static_cast<std::int64_t>(e.sensor_id));
  st.bindNoCopy(8, e.tipo);
  st.bindNoCopy(9, e.name);
  st.bind(10, micros(at));
  if (e.json) {
    st.bindNoCopy(11, *e.json);
  } else {
    st.bindNoCopy(11, "");
  }
  if (e.ubicacion) {
    st.bindNoCopy(12, *e.ubicacion);
  } else {
    st.bind(12);
  }
  if (e.moved) {
    st.bindNoCopy(13, e.moved->before.tipo);
    bind_optional_text_no_copy(st, 14, e.moved->before.ubicacion);
  } else {
    st.bind(13);
    st.bind(14);
  }
}

namespace {

template <typename T, typename Write>
void bind_list(SQLite::Statement& st, const char* name, const std::vector<T>& list, Write write) {
  if (list.empty()) {
    st.bind(name);
    return;
  }
  std::string json = "[";
  for (const auto& v : list) {
    if (json.size() > 1) json.push_back(',');
    write(json, v);
  }
  json.push_back(']');
  st.bind(name, json);
}

}  // namespace

void bind_scope(SQLite::Statement& st, const data_scope& scope) {
  bind_list(st, ":ids", scope.sensor_id,
            [](std::string& out, std::int64_t id) { out += std::to_string(id); });
  const auto text = [](std::string& out, const std::string& s) { out += quote_json(s); };
  bind_list(st, ":tipos", scope.tipo, text);
  bind_list(st, ":ubis", scope.ubicacion, text);
}

}  // namespace sensorhub::detail

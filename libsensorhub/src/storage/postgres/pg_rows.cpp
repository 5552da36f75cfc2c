// SPDX-License-Identifier: MIT
#include "storage/postgres/pg_rows.hpp"

#include <limits>
#include <memory>
#include <utility>

#include "json/event_views.hpp"
#include "storage/event_columns.hpp"

namespace sensorhub::detail {

std::optional<std::string> pg_optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return f.as<std::string>();
}

std::int64_t pg_micros(timestamp t) noexcept { return static_cast<std::int64_t>(to_micros(t)); }

timestamp pg_time(const pqxx::field& f) {
  return from_micros(static_cast<long long>(f.as<std::int64_t>()));
}

std::int64_t pg_count(std::size_t n) noexcept {
  constexpr auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return n > max ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(n);
}

sensor pg_read_sensor(const pqxx::row& r) {
  sensor s;
  s.id = r[0].as<std::int64_t>();
  s.tipo = r[1].as<std::string>();
  s.modelo = r[2].as<std::string>();
  s.ubicacion = pg_optional_text(r[3]);
  s.activo = r[4].as<bool>();
  s.created_at = pg_time(r[5]);
  s.updated_at = pg_time(r[6]);
  return s;
}

reading pg_read_reading(const pqxx::row& r) {
  reading l;
  l.id = r[0].as<std::int64_t>();
  l.sensor_id = r[1].as<std::int64_t>();
  l.valor = r[2].as<double>();
  l.unidad = pg_optional_text(r[3]);
  l.timestamp = pg_time(r[4]);
  l.created_at = pg_time(r[5]);
  l.updated_at = pg_time(r[6]);
  return l;
}

event pg_read_event(const pqxx::row& r) {
  event e;
  e.seq = static_cast<std::uint64_t>(r[0].as<std::int64_t>());
  e.chan = parse_channel(r[1].as<std::string>()).value_or(channel::general);
  e.kind = parse_kind(r[2].as<std::string>());
  e.entity = parse_entity(pg_optional_text(r[3]));
  const auto type = pg_optional_text(r[4]);
  e.type = type ? parse_event_type(*type).value_or(event_type::created) : event_type::created;
  e.entity_id = r[5].as<std::int64_t>();
  e.sensor_id = r[6].as<std::int64_t>();
  e.tipo = r[7].as<std::string>();
  e.name = r[8].as<std::string>();
  e.json = std::make_shared<const std::string>(r[10].as<std::string>());
  if (e.kind == event_kind::entity) {
    if (auto u = pg_optional_text(r[11])) e.ubicacion = std::make_shared<const std::string>(*u);
    if (auto before_tipo = pg_optional_text(r[12])) {
      attach_scope_move(e, scope_keys{std::move(*before_tipo), pg_optional_text(r[13])});
    }
  }
  return e;
}

namespace {

std::string literal(pqxx::transaction_base& tx, const char* s) {
  return s ? tx.quote(std::string(s)) : std::string("NULL");
}

std::string literal(pqxx::transaction_base& tx, const std::optional<std::string>& s) {
  return s ? tx.quote(*s) : std::string("NULL");
}

}  // namespace

std::string pg_event_values(pqxx::transaction_base& tx, const event& e, timestamp at) {
  std::string v = "(";
  v += std::to_string(e.seq);
  v += ',';
  v += literal(tx, channel_name(e.chan));
  v += ',';
  v += literal(tx, kind_name(e.kind));
  v += ',';
  v += literal(tx, entity_name(e.entity));
  v += ',';
  v += literal(tx, e.kind == event_kind::entity ? event_type_name(e.type) : nullptr);
  v += ',';
  v += std::to_string(e.entity_id);
  v += ',';
  v += std::to_string(e.sensor_id);
  v += ',';
  v += tx.quote(e.tipo);
  v += ',';
  v += tx.quote(e.name);
  v += ',';
  v += std::to_string(pg_micros(at));
  v += ',';
  v += e.json ? tx.quote(*e.json) : std::string("''");
  v += ',';
  v += e.ubicacion ? tx.quote(*e.ubicacion) : std::string("NULL");
  v += ',';
  if (e.moved) {
    v += tx.quote(e.moved->before.tipo);
    v += ',';
    v += literal(tx, e.moved->before.ubicacion);
  } else {
    v += "NULL,NULL";
  }
  v += ')';
  return v;
}

namespace {

// An element of a PostgreSQL array literal: double-quoted, with \ and "
// escaped.
void append_array_text(std::string& out, const std::string& s) {
  out.push_back('"');
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out.push_back('\\');
    out.push_back(ch);
  }
  out.push_back('"');
}

}  // namespace

std::optional<std::string> pg_id_array(const std::vector<std::int64_t>& ids) {
  if (ids.empty()) return std::nullopt;
  std::string out = "{";
  for (std::int64_t id : ids) {
    if (out.size() > 1) out.push_back(',');
    out += std::to_string(id);
  }
  out.push_back('}');
  return out;
}

std::optional<std::string> pg_text_array(const std::vector<std::string>& values) {
  if (values.empty()) return std::nullopt;
  std::string out = "{";
  for (const std::string& s : values) {
    if (out.size() > 1) out.push_back(',');
    append_array_text(out, s);
  }
  out.push_back('}');
  return out;
}

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#include "sensorhub/codec.hpp"

#include <memory>
#include <utility>

#include "json/event_views.hpp"
#include "json/json_reader.hpp"
#include "json/json_writer.hpp"
#include "sensorhub/error.hpp"
#include "json/utf8.hpp"

namespace sensorhub {

using detail::json_value;
using detail::json_writer;

namespace {

// ---- parsing ----------------------------------------------------------------

// Field parsers add "<prefix><field>" -> reason to errs on a wrong value.
struct field_ctx {
  field_errors& errs;
  const std::string& prefix;
  void add(const std::string& field, const char* why) const { errs.emplace(prefix + field, why); }
};

std::optional<std::string> read_string(const field_ctx& c, const std::string& f,
                                       const json_value& v) {
  if (!v.is_string()) {
    c.add(f, "must be a string");
    return std::nullopt;
  }
  return v.text;
}

std::optional<std::optional<std::string>> read_nullable_string(const field_ctx& c,
                                                               const std::string& f,
                                                               const json_value& v) {
  if (v.is_null()) return std::optional<std::string>{};
  if (!v.is_string()) {
    c.add(f, "must be a string or null");
    return std::nullopt;
  }
  return std::optional<std::string>{v.text};
}

sensor_patch sensor_patch_from(const json_value& v, const field_ctx& c) {
  sensor_patch p;
  for (const auto& [key, value] : v.members) {
    if (key == "tipo") {
      p.tipo = read_string(c, key, value);
    } else if (key == "modelo") {
      p.modelo = read_string(c, key, value);
    } else if (key == "ubicacion") {
      p.ubicacion = read_nullable_string(c, key, value);
    } else if (key == "activo") {
      if (value.is_bool()) {
        p.activo = value.boolean;
      } else {
        c.add(key, "must be a boolean");
      }
    } else {
      c.add(key, "unknown field");
    }
  }
  return p;
}

reading_patch reading_patch_from(const json_value& v, const field_ctx& c) {
  reading_patch p;
  for (const auto& [key, value] : v.members) {
    if (key == "sensor_id") {
      if (!value.is_number() || !detail::is_integer_syntax(value)) {
        c.add(key, "must be an integer");
      } else if (auto n = detail::to_int64(value)) {
        p.sensor_id = *n;
      } else {
        c.add(key, "out of range");
      }
    } else if (key == "valor") {
      if (!value.is_number()) {
        c.add(key, "must be a number");
      } else if (auto d = detail::to_double(value)) {
        p.valor = *d;
      } else {
        c.add(key, "out of range");
      }
    } else if (key == "unidad") {
      p.unidad = read_nullable_string(c, key, value);
    } else if (key == "timestamp") {
      if (!value.is_string()) {
        c.add(key, "must be a string");
      } else if (auto t = parse_time(value.text)) {
        p.timestamp = *t;
      } else {
        c.add(key, "must be an RFC 3339 time");
      }
    } else {
      c.add(key, "unknown field");
    }
  }
  return p;
}

[[noreturn]] void throw_fields(field_errors errs) {
  std::string detail = "validation failed:";
  std::size_t shown = 0;
  for (const auto& [field, why] : errs) {
    if (shown++ == 5) {
      detail += " ...";
      break;
    }
    detail += " " + field + ": " + why + ";";
  }
  if (detail.back() == ';') detail.pop_back();
  throw validation_error(std::move(errs), detail);
}

// A valid patch holds at most five values; far more cannot be a patch, so
// stop building the tree early rather than allocate for a hostile body.
constexpr std::size_t max_patch_values = 1024;

template <typename Patch, typename Build>
Patch parse_object_patch(std::string_view body, Build build) {
  detail::json_limits limits;
  limits.max_values = max_patch_values;
  const json_value root = detail::parse_json(body, limits);
  if (!root.is_object()) throw_fields({{"body", "must be a JSON object"}});
  field_errors errs;
  const std::string prefix;
  Patch p = build(root, field_ctx{errs, prefix});
  if (!errs.empty()) throw_fields(std::move(errs));
  return p;
}

// ---- encoding -----------------------------------------------------------------

void write_optional_string(json_writer& w, const std::optional<std::string>& s) {
  if (s) {
    w.str(*s);
  } else {
    w.null();
  }
}

// Writes the entity's fields into an already open object.
void write_fields(json_writer& w, const sensor& s) {
  w.key("id").i64(s.id);
  w.key("tipo").str(s.tipo);
  w.key("modelo").str(s.modelo);
  w.key("ubicacion");
  write_optional_string(w, s.ubicacion);
  w.key("activo").boolean(s.activo);
  w.key("created_at").str(format_time(s.created_at));
  w.key("updated_at").str(format_time(s.updated_at));
}

void write_fields(json_writer& w, const reading& l) {
  w.key("id").i64(l.id);
  w.key("sensor_id").i64(l.sensor_id);
  w.key("valor").dbl(l.valor);
  w.key("unidad");
  write_optional_string(w, l.unidad);
  w.key("timestamp").str(format_time(l.timestamp));
  w.key("created_at").str(format_time(l.created_at));
  w.key("updated_at").str(format_time(l.updated_at));
}

template <typename T>
std::string entity_json(const T& e) {
  json_writer w;
  w.begin_object();
  write_fields(w, e);
  w.end_object();
  return w.take();
}

template <typename T>
std::string list_json(const std::vector<T>& list) {
  json_writer w;
  w.begin_array();
  for (const auto& e : list) {
    w.begin_object();
    write_fields(w, e);
    w.end_object();
  }
  w.end_array();
  return w.take();
}

void write_string_array(json_writer& w, const std::vector<std::string>& v) {
  w.begin_array();
  for (const auto& s : v) w.str(s);
  w.end_array();
}

const char* action_name(bool is_sensor, event_type t) {
  switch (t) {
    case event_type::created:
      return is_sensor ? "create_sensor" : "create_lectura";
    case event_type::updated:
      return is_sensor ? "update_sensor" : "update_lectura";
    case event_type::deleted:
      return is_sensor ? "delete_sensor" : "delete_lectura";
    case event_type::scope_left:  // views of an update, never encoded from a change
    case event_type::scope_entered:
      return is_sensor ? "update_sensor" : "update_lectura";
  }
  return "";
}

}  // namespace

sensor_patch parse_sensor_patch(std::string_view body) {
  return parse_object_patch<sensor_patch>(body, sensor_patch_from);
}

reading_patch parse_reading_patch(std::string_view body) {
  return parse_object_patch<reading_patch>(body, reading_patch_from);
}

std::vector<reading_patch> parse_reading_batch(std::string_view body, std::size_t max_items) {
  const std::string range = "must contain 1.." + std::to_string(max_items) + " items";
  detail::json_limits limits;
  // A valid item is one object with at most four scalar members: bound the
  // tree so that a huge body cannot make us allocate far more than it holds.
  constexpr std::size_t per_item = 8;
  limits.max_values = max_items < (limits.max_values - 1) / per_item - 1
                          ? 1 + (max_items + 1) * per_item
                          : limits.max_values;
  limits.overflow_field = "items";
  limits.overflow_reason = range;
  const json_value root = detail::parse_json(body, limits);
  if (!root.is_array()) throw_fields({{"body", "must be a JSON array"}});
  if (root.items.empty() || root.items.size() > max_items) throw_fields({{"items", range}});
  std::vector<reading_patch> out;
  out.reserve(root.items.size());
  field_errors errs;
  for (std::size_t i = 0; i < root.items.size(); ++i) {
    const std::string prefix = "[" + std::to_string(i) + "].";
    const json_value& item = root.items[i];
    if (!item.is_object()) {
      errs.emplace("[" + std::to_string(i) + "]", "must be a JSON object");
      continue;
    }
    out.push_back(reading_patch_from(item, field_ctx{errs, prefix}));
  }
  if (!errs.empty()) throw_fields(std::move(errs));
  return out;
}

std::string to_json(const sensor& s) { return entity_json(s); }
std::string to_json(const reading& l) { return entity_json(l); }
std::string to_json(const std::vector<sensor>& list) { return list_json(list); }
std::string to_json(const std::vector<reading>& list) { return list_json(list); }

std::string to_json(const batch_result& r) {
  json_writer w;
  w.begin_object();
  w.key("created").u64(r.created);
  w.key("first_id").i64(r.first_id);
  w.key("last_id").i64(r.last_id);
  w.end_object();
  return w.take();
}

std::string encode_entity_event(std::uint64_t seq, timestamp at, const entity_change& change) {
  const bool is_sensor = std::holds_alternative<sensor>(change.data);
  const bool updated = change.type == event_type::updated;
  json_writer w;
  w.begin_object();
  w.key("type").str("entity_event");
  w.key("seq").u64(seq);
  w.key("channel").str(is_sensor ? "sensors" : "readings");
  w.key("entity_type").str(is_sensor ? "sensor" : "lectura");
  w.key("event_type").str(event_type_name(change.type));
  w.key("entity_id")
      .i64(is_sensor ? std::get<sensor>(change.data).id : std::get<reading>(change.data).id);
  w.key("data").begin_object();
  if (is_sensor) {
    write_fields(w, std::get<sensor>(change.data));
  } else {
    write_fields(w, std::get<reading>(change.data));
  }
  if (updated) {
    w.key("updated_fields");
    write_string_array(w, change.updated_fields);
  }
  w.end_object();
  w.key("timestamp").str(format_time(at));
  w.key("metadata").begin_object();
  w.key("action").str(action_name(is_sensor, change.type));
  if (updated) {
    w.key("fields_updated");
    write_string_array(w, change.updated_fields);
  }
  if (is_sensor && change.type == event_type::deleted) {
    w.key("readings_deleted").i64(change.readings_deleted.value_or(0));
  }
  w.end_object();
  w.end_object();
  return w.take();
}

std::string encode_system_event(std::uint64_t seq, timestamp at, const system_change& change) {
  json_writer w;
  w.begin_object();
  w.key("type").str("system_event");
  w.key("event").str(change.name);
  w.key("seq").u64(seq);
  w.key("data").raw(change.data_json.empty() ? std::string_view("{}") : change.data_json);
  w.key("timestamp").str(format_time(at));
  w.end_object();
  return w.take();
}

std::string encode_test_event(std::string_view channel, std::string_view message,
                              std::string_view data_json, timestamp at) {
  json_writer w;
  w.begin_object();
  w.key("type").str("test_event");
  w.key("channel").str(channel);
  w.key("message").str(message);
  w.key("data").raw(data_json.empty() ? std::string_view("{}") : data_json);
  w.key("timestamp").str(format_time(at));
  w.end_object();
  return w.take();
}

event make_entity_event(std::uint64_t seq, timestamp at, const entity_change& change) {
  event e;
  e.seq = seq;
  e.kind = event_kind::entity;
  e.type = change.type;
  if (const auto* s = std::get_if<sensor>(&change.data)) {
    e.chan = channel::sensors;
    e.entity = entity_kind::sensor;
    e.entity_id = s->id;
    e.sensor_id = s->id;
    e.tipo = s->tipo;
    if (s->ubicacion) e.ubicacion = std::make_shared<const std::string>(*s->ubicacion);
  } else {
    const auto& l = std::get<reading>(change.data);
    e.chan = channel::readings;
    e.entity = entity_kind::reading;
    e.entity_id = l.id;
    e.sensor_id = l.sensor_id;
    e.tipo = change.tipo;
    if (change.ubicacion) e.ubicacion = std::make_shared<const std::string>(*change.ubicacion);
  }
  e.json = std::make_shared<const std::string>(encode_entity_event(seq, at, change));
  if (change.before) detail::attach_scope_move(e, *change.before);
  return e;
}

event make_system_event(std::uint64_t seq, timestamp at, const system_change& change) {
  event e;
  e.seq = seq;
  e.chan = channel::general;
  e.kind = event_kind::system;
  e.entity = entity_kind::none;
  e.name = change.name;
  e.json = std::make_shared<const std::string>(encode_system_event(seq, at, change));
  return e;
}

event make_test_event(channel chan, std::string_view message, std::string_view data_json,
                      timestamp at) {
  event e;
  e.seq = 0;
  e.chan = chan;
  e.kind = event_kind::test;
  e.entity = entity_kind::none;
  e.json = std::make_shared<const std::string>(
      encode_test_event(channel_name(chan), message, data_json, at));
  return e;
}

std::string quote_json(std::string_view text) {
  std::string out;
  detail::append_json_string(out, text);
  return out;
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "sensorhub/protocol/client_message.hpp"

#include <string>
#include <utility>

#include "json/json_reader.hpp"
#include "sensorhub/protocol/query_params.hpp"

namespace sensorhub {

using detail::json_value;

namespace {

// Bounds on the parsed tree (a hostile message cannot make us allocate much
// more than it is long); generous for any real message.
constexpr std::size_t max_client_message_values = 10000;

constexpr const char* channel_reason = "must be one of sensors, readings, general";

[[noreturn]] void reject(field_errors errs) {
  std::string detail = "invalid message:";
  for (const auto& [field, why] : errs) detail += " " + field + ": " + why + ";";
  detail.pop_back();
  throw validation_error(std::move(errs), detail);
}

// ---- filter object of a subscribe message ------------------------------------

// Applies fn to the value or to each item of an array value; false when any
// item is rejected by fn.
template <typename Fn>
bool each_value(const json_value& v, Fn fn) {
  if (v.is_array()) {
    for (const auto& item : v.items) {
      if (!fn(item)) return false;
    }
    return true;
  }
  return fn(v);
}

void parse_filter_object(const json_value& obj, event_filter& f, field_errors& errs) {
  for (const auto& [key, value] : obj.members) {
    const std::string field = "filter." + key;
    if (key == "entity_id" || key == "sensor_id") {
      auto& ids = key == "entity_id" ? f.entity_id : f.sensor_id;
      const bool ok = each_value(value, [&](const json_value& item) {
        const auto id = detail::to_int64(item);
        if (!id || *id <= 0) return false;
        ids.push_back(*id);
        return true;
      });
      if (!ok) errs.emplace(field, "must be a positive integer or an array of them");
    } else if (key == "event_type") {
      const bool ok = each_value(value, [&](const json_value& item) {
        const auto t = item.is_string() ? parse_event_type(item.text) : std::nullopt;
        if (!t) return false;
        f.event_types.push_back(*t);
        return true;
      });
      if (!ok) errs.emplace(field, "must be created, updated, deleted or an array of them");
    } else if (key == "tipo") {
      const bool ok = each_value(value, [&](const json_value& item) {
        if (!item.is_string() || item.text.empty()) return false;
        f.tipo.push_back(item.text);
        return true;
      });
      if (!ok) errs.emplace(field, "must be a non-empty string or an array of them");
    } else {
      errs.emplace(field, "unknown filter key");
    }
  }
}

std::optional<channel> read_channel(const json_value& v) {
  return v.is_string() ? parse_channel(v.text) : std::nullopt;
}

}  // namespace

client_message parse_client_message(std::string_view text) {
  detail::json_limits limits;
  limits.max_values = max_client_message_values;
  const json_value root = detail::parse_json(text, limits);
  if (!root.is_object()) reject({{"body", "must be a JSON object"}});
  const json_value* type = nullptr;
  for (const auto& [key, value] : root.members) {
    if (key == "type") type = &value;
  }
  if (type == nullptr) reject({{"type", "required"}});
  if (!type->is_string()) reject({{"type", "must be a string"}});

  client_message m;
  field_errors errs;
  const std::string& t = type->text;
  if (t == "ping" || t == "get_stats") {
    // Other keys (a client's own "id" or "timestamp") are ignored, as the
    // original system did; subscribe/unsubscribe stay strict so that a typo
    // such as "filters" is reported instead of silently widening a stream.
    m.type = t == "ping" ? client_message_type::ping : client_message_type::get_stats;
  } else if (t == "subscribe" || t == "unsubscribe") {
    const bool sub = t == "subscribe";
    m.type = sub ? client_message_type::subscribe : client_message_type::unsubscribe;
    for (const auto& [key, value] : root.members) {
      if (key == "type") continue;
      if (key == "channel") {
        m.chan = read_channel(value);
        if (!m.chan) errs.emplace(key, channel_reason);
      } else if (sub && key == "filter") {
        if (value.is_object()) {
          parse_filter_object(value, m.filter, errs);
        } else {
          errs.emplace(key, "must be an object");
        }
      } else if (sub && key == "since") {
        const auto n = detail::is_integer_syntax(value) && value.text[0] != '-'
                           ? parse_uint(value.text)
                           : std::nullopt;
        if (n) {
          m.since = *n;
        } else {
          errs.emplace(key, "must be a non-negative integer");
        }
      } else if (sub && key == "snapshot") {
        if (value.is_bool()) {
          m.snapshot = value.boolean;
        } else {
          errs.emplace(key, "must be a boolean");
        }
      } else if (sub && key == "conflate") {
        if (value.is_bool()) {
          m.conflate = value.boolean;
        } else {
          errs.emplace(key, "must be a boolean");
        }
      } else {
        errs.emplace(key, "unknown field");
      }
    }
    if (!m.chan && errs.find("channel") == errs.end()) errs.emplace("channel", "required");
  } else {
    errs.emplace("type", "unknown message type");
  }
  if (!errs.empty()) reject(std::move(errs));
  return m;
}

}  // namespace sensorhub

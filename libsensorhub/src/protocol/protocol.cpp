#include "sensorhub/protocol.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "json/json_reader.hpp"
#include "json/json_writer.hpp"
#include "sensorhub/codec.hpp"
#include "json/utf8.hpp"

namespace sensorhub {

using detail::json_value;
using detail::json_writer;

namespace {

void write_channels(json_writer& w, const std::vector<channel>& channels) {
  w.begin_array();
  for (channel c : channels) w.str(channel_name(c));
  w.end_array();
}

void write_channel_counters(json_writer& w, const channel_stats& s) {
  w.key("connections").u64(s.connections);
  w.key("messages_sent").u64(s.messages_sent);
}

void write_stats(json_writer& w, const hub_stats& s) {
  w.begin_object();
  w.key("total_connections").u64(s.total_connections);
  w.key("channels").begin_object();
  for (channel c : all_channels) {
    w.key(channel_name(c)).begin_object();
    write_channel_counters(w, s.of(c));
    w.end_object();
  }
  w.end_object();
  w.key("events_published").u64(s.events_published);
  w.key("last_seq").u64(s.last_seq);
  w.key("uptime_s").u64(s.uptime_s);
  w.end_object();
}

std::string channel_list_message(const char* type, const std::vector<channel>& channels) {
  json_writer w;
  w.begin_object();
  w.key("type").str(type);
  w.key("channels");
  write_channels(w, channels);
  w.end_object();
  return w.take();
}

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

// Bounds on the parsed tree (a hostile message cannot make us allocate much
// more than it is long); generous for any real message.
constexpr std::size_t max_client_message_values = 10000;
constexpr std::size_t max_test_event_values = 100000;

constexpr const char* channel_reason = "must be one of sensors, readings, general";

bool hex_value(char c, int& out) noexcept {
  if (c >= '0' && c <= '9') {
    out = c - '0';
  } else if (c >= 'a' && c <= 'f') {
    out = c - 'a' + 10;
  } else if (c >= 'A' && c <= 'F') {
    out = c - 'A' + 10;
  } else {
    return false;
  }
  return true;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%') {
      int hi = 0, lo = 0;
      if (i + 2 >= s.size() || !hex_value(s[i + 1], hi) || !hex_value(s[i + 2], lo)) {
        throw error(errc::invalid_parameter, "bad percent-encoding in query string");
      }
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  if (!detail::valid_utf8(out))
    throw error(errc::invalid_parameter, "query string is not valid UTF-8");
  return out;
}

}  // namespace

// ---- server -> client -------------------------------------------------------

std::string encode_connection_established(std::string_view client_id,
                                          const std::vector<channel>& channels,
                                          std::string_view server, timestamp at) {
  json_writer w;
  w.begin_object();
  w.key("type").str("connection_established");
  w.key("client_id").str(client_id);
  w.key("channels");
  write_channels(w, channels);
  w.key("server").str(server);
  w.key("timestamp").str(format_time(at));
  w.end_object();
  return w.take();
}

std::string encode_stats_object(const hub_stats& s) {
  json_writer w;
  write_stats(w, s);
  return w.take();
}

std::string encode_stats_message(const hub_stats& s, timestamp at) {
  json_writer w;
  w.begin_object();
  w.key("type").str("stats");
  w.key("data");
  write_stats(w, s);
  w.key("timestamp").str(format_time(at));
  w.end_object();
  return w.take();
}

std::string encode_channel_stats(channel c, const channel_stats& s) {
  json_writer w;
  w.begin_object();
  w.key("channel").str(channel_name(c));
  write_channel_counters(w, s);
  w.end_object();
  return w.take();
}

std::string encode_pong(timestamp at) {
  json_writer w;
  w.begin_object();
  w.key("type").str("pong");
  w.key("timestamp").str(format_time(at));
  w.end_object();
  return w.take();
}

std::string encode_subscribed(const std::vector<channel>& channels) {
  return channel_list_message("subscribed", channels);
}

std::string encode_unsubscribed(const std::vector<channel>& channels) {
  return channel_list_message("unsubscribed", channels);
}

std::string encode_ws_error(std::string_view code, std::string_view detail) {
  json_writer w;
  w.begin_object();
  w.key("type").str("error");
  w.key("error").str(code);
  w.key("detail").str(detail);
  w.end_object();
  return w.take();
}

std::string encode_resume_failed(std::uint64_t oldest_seq) {
  json_writer w;
  w.begin_object();
  w.key("type").str("resume_failed");
  w.key("reason").str("history_truncated");
  w.key("oldest_seq").u64(oldest_seq);
  w.end_object();
  return w.take();
}

std::string encode_snapshot(std::uint64_t seq, channel c, std::string_view data_json) {
  json_writer w;
  w.begin_object();
  w.key("type").str("snapshot");
  w.key("seq").u64(seq);
  w.key("channel").str(channel_name(c));
  w.key("data").raw(data_json.empty() ? std::string_view("[]") : data_json);
  w.end_object();
  return w.take();
}

// ---- client -> server -------------------------------------------------------

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

test_event_request parse_test_event_request(std::string_view body) {
  detail::json_limits limits;
  limits.max_values = max_test_event_values;
  const json_value root = detail::parse_json(body, limits);
  if (!root.is_object()) reject({{"body", "must be a JSON object"}});
  test_event_request r;
  field_errors errs;
  bool have_channel = false;
  for (const auto& [key, value] : root.members) {
    if (key == "channel") {
      have_channel = true;
      if (auto c = read_channel(value)) {
        r.chan = *c;
      } else {
        errs.emplace(key, channel_reason);
      }
    } else if (key == "message") {
      if (value.is_string()) {
        r.message = value.text;
      } else {
        errs.emplace(key, "must be a string");
      }
    } else if (key == "data") {
      if (!value.is_object()) {
        errs.emplace(key, "must be an object");
        continue;
      }
      // Numbers are re-written as sent; refuse those no reader can hold.
      bool finite = true;
      std::vector<const json_value*> todo{&value};
      while (!todo.empty() && finite) {
        const json_value* v = todo.back();
        todo.pop_back();
        if (v->is_number()) finite = detail::to_double(*v).has_value();
        for (const auto& item : v->items) todo.push_back(&item);
        for (const auto& member : v->members) todo.push_back(&member.second);
      }
      if (!finite) {
        errs.emplace(key, "number out of range");
        continue;
      }
      r.data_json.clear();
      detail::write_json(r.data_json, value);
    } else {
      errs.emplace(key, "unknown field");
    }
  }
  if (!have_channel) errs.emplace("channel", "required");
  if (!errs.empty()) reject(std::move(errs));
  return r;
}

// ---- query parameters -------------------------------------------------------

query_params parse_query_string(std::string_view query) {
  query_params out;
  while (!query.empty()) {
    const std::size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.empty()) continue;
    const std::size_t eq = part.find('=');
    const std::string_view key = part.substr(0, eq);
    const std::string_view value =
        eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1);
    out.emplace(percent_decode(key), percent_decode(value));
  }
  return out;
}

std::vector<std::string> param_values(const query_params& q, const std::string& key) {
  std::vector<std::string> out;
  const auto range = q.equal_range(key);
  for (auto it = range.first; it != range.second; ++it) {
    std::string_view v = it->second;
    while (true) {
      const std::size_t comma = v.find(',');
      out.emplace_back(v.substr(0, comma));
      if (comma == std::string_view::npos) break;
      v = v.substr(comma + 1);
    }
  }
  return out;
}

event_filter parse_filter_params(const query_params& q) {
  event_filter f;
  for (const char* key : {"entity_id", "sensor_id"}) {
    auto& ids = std::string_view(key) == "entity_id" ? f.entity_id : f.sensor_id;
    for (const auto& v : param_values(q, key)) {
      const auto id = parse_id(v);
      if (!id)
        throw error(errc::invalid_parameter, std::string(key) + ": must be a positive integer");
      ids.push_back(*id);
    }
  }
  for (const auto& v : param_values(q, "event_type")) {
    const auto t = parse_event_type(v);
    if (!t) throw error(errc::invalid_parameter, "event_type: must be created, updated or deleted");
    f.event_types.push_back(*t);
  }
  for (const auto& v : param_values(q, "tipo")) {
    if (v.empty()) throw error(errc::invalid_parameter, "tipo: must not be empty");
    f.tipo.push_back(v);
  }
  return f;
}

std::optional<std::int64_t> parse_id(std::string_view text) noexcept {
  const auto n = parse_uint(text);
  if (!n || *n == 0 || *n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(*n);
}

std::optional<std::uint64_t> parse_uint(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (n > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return std::nullopt;
    n = n * 10 + d;
  }
  return n;
}

}  // namespace sensorhub

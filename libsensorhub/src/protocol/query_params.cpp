// SPDX-License-Identifier: MIT
#include "sensorhub/protocol/query_params.hpp"

#include <limits>
#include <utility>

#include "json/utf8.hpp"

namespace sensorhub {

namespace {

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

bool parse_conflate_param(const query_params& q) {
  const auto n = q.count("conflate");
  if (n == 0) return false;
  if (n > 1) throw error(errc::invalid_parameter, "conflate: given more than once");
  const std::string& v = q.find("conflate")->second;
  if (v == "true") return true;
  if (v == "false") return false;
  throw error(errc::invalid_parameter, "conflate: must be true or false");
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

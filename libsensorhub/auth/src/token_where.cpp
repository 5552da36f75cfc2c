// SPDX-License-Identifier: MIT
#include "sensorhub/auth/token_where.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <limits>

#include "sensorhub/error.hpp"

namespace sensorhub {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

[[noreturn]] void bad(const std::string& why) { throw error(errc::invalid_parameter, why); }

std::optional<std::int64_t> positive_id(std::string_view v) {
  if (v.empty() || v.size() > 19) return std::nullopt;
  std::uint64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return std::nullopt;
    n = n * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (n == 0 || n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    return std::nullopt;
  }
  return static_cast<std::int64_t>(n);
}

std::vector<std::string_view> split_values(std::string_view key, std::string_view csv) {
  std::vector<std::string_view> out;
  while (true) {
    const auto comma = csv.find(',');
    const std::string_view v = trim(csv.substr(0, comma));
    if (v.empty()) bad("where " + std::string(key) + ": empty value");
    out.push_back(v);
    if (comma == std::string_view::npos) return out;
    csv.remove_prefix(comma + 1);
  }
}

bool key_given(const data_scope& s, std::string_view key) {
  if (key == "sensor_id") return !s.sensor_id.empty();
  if (key == "tipo") return !s.tipo.empty();
  return !s.ubicacion.empty();
}

const char* const keys_hint = " (keys: sensor_id, tipo, ubicacion)";

}  // namespace

void add_where_clause(data_scope& scope, std::string_view clause) {
  const auto eq = clause.find('=');
  if (eq == std::string_view::npos) bad("where: expected KEY=V1,V2" + std::string(keys_hint));
  const std::string_view key = trim(clause.substr(0, eq));
  if (key != "sensor_id" && key != "tipo" && key != "ubicacion") {
    bad("where: unknown key '" + std::string(key) + "'" + keys_hint);
  }
  if (key_given(scope, key)) bad("where: key '" + std::string(key) + "' given twice");
  for (const auto v : split_values(key, clause.substr(eq + 1))) {
    if (key == "sensor_id") {
      const auto id = positive_id(v);
      if (!id) bad("where sensor_id: '" + std::string(v) + "' is not a positive integer");
      scope.sensor_id.push_back(*id);
    } else if (key == "tipo") {
      scope.tipo.emplace_back(v);
    } else {
      scope.ubicacion.emplace_back(v);
    }
  }
}

void check_where(const data_scope& scope) {
  for (const auto id : scope.sensor_id) {
    if (id <= 0) bad("where sensor_id: ids are positive integers");
  }
  for (const auto* list : {&scope.tipo, &scope.ubicacion}) {
    for (const auto& v : *list) {
      if (v.empty()) bad("where: values are non-empty strings");
    }
  }
}

std::string where_to_json(const data_scope& scope) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  if (!scope.sensor_id.empty()) {
    w.Key("sensor_id");
    w.StartArray();
    for (const auto id : scope.sensor_id) w.Int64(id);
    w.EndArray();
  }
  const std::pair<const char*, const std::vector<std::string>*> lists[] = {
      {"tipo", &scope.tipo}, {"ubicacion", &scope.ubicacion}};
  for (const auto& [key, list] : lists) {
    if (list->empty()) continue;
    w.Key(key);
    w.StartArray();
    for (const auto& v : *list) w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    w.EndArray();
  }
  w.EndObject();
  return buf.GetString();
}

data_scope where_from_json(std::string_view json) {
  data_scope out;
  if (trim(json).empty()) return out;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(json.data(), json.size());
  if (doc.HasParseError()) bad("where: malformed JSON");
  if (doc.IsNull()) return out;
  if (!doc.IsObject()) bad("where: must be an object" + std::string(keys_hint));
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string key(it->name.GetString(), it->name.GetStringLength());
    const auto& v = it->value;
    if (key != "sensor_id" && key != "tipo" && key != "ubicacion") {
      bad("where: unknown key '" + key + "'" + keys_hint);
    }
    const bool ids = key == "sensor_id";
    const std::string want =
        ids ? "a non-empty array of positive integers" : "a non-empty array of non-empty strings";
    if (!v.IsArray() || v.Empty()) bad("where " + key + ": must be " + want);
    for (const auto& x : v.GetArray()) {
      if (ids) {
        if (!x.IsInt64() || x.GetInt64() <= 0) bad("where " + key + ": must be " + want);
        out.sensor_id.push_back(x.GetInt64());
      } else {
        if (!x.IsString() || x.GetStringLength() == 0) bad("where " + key + ": must be " + want);
        (key == "tipo" ? out.tipo : out.ubicacion).emplace_back(x.GetString(), x.GetStringLength());
      }
    }
  }
  return out;
}

std::string format_where(const data_scope& scope) {
  if (scope.unrestricted()) return "all";
  std::string out;
  auto clause = [&out](const char* key, const auto& values, auto&& text) {
    if (values.empty()) return;
    if (!out.empty()) out.push_back(' ');
    out += key;
    out.push_back('=');
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += text(values[i]);
    }
  };
  clause("sensor_id", scope.sensor_id, [](std::int64_t id) { return std::to_string(id); });
  clause("tipo", scope.tipo, [](const std::string& v) { return v; });
  clause("ubicacion", scope.ubicacion, [](const std::string& v) { return v; });
  return out;
}

}  // namespace sensorhub

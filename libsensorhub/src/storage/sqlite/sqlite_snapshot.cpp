// SPDX-License-Identifier: MIT
#include "storage/sqlite/sqlite_snapshot.hpp"

#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "sensorhub/codec.hpp"
#include "storage/sqlite/sqlite_rows.hpp"

namespace sensorhub::detail {

namespace {

template <typename T>
std::vector<T> sorted_unique(std::vector<T> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

bool tipo_allowed(const std::vector<std::string>& tipos, const std::string& tipo) {
  return tipos.empty() || std::find(tipos.begin(), tipos.end(), tipo) != tipos.end();
}

std::optional<sensor> find_sensor(sqlite_connection& conn, std::int64_t id) {
  auto st = conn.prepare(sql_find_sensor);
  st->bind(1, static_cast<std::int64_t>(id));
  if (!st->executeStep()) {
    return std::nullopt;
  }
  return read_sensor(*st);
}

// Sensors with an id in `ids` (nullopt: any id) and a tipo in `tipos` (empty:
// any tipo), ascending id; the overload below keeps those `scope` contains.
std::vector<sensor> matching_sensors(sqlite_connection& conn,
                                     const std::optional<std::vector<std::int64_t>>& ids,
                                     const std::vector<std::string>& tipos) {
  std::vector<sensor> out;
  if (ids) {
    for (std::int64_t id : *ids) {  // sorted: the result is ascending too
      auto s = find_sensor(conn, id);
      if (s && tipo_allowed(tipos, s->tipo)) {
        out.push_back(std::move(*s));
      }
    }
    return out;
  }
  if (tipos.empty()) {
    auto st = conn.prepare(sql_all_sensors);
    while (st->executeStep()) {
      out.push_back(read_sensor(*st));
    }
    return out;
  }
  for (const std::string& tipo : sorted_unique(tipos)) {
    auto st = conn.prepare(sql_sensors_of_tipo);
    st->bind(1, tipo);
    while (st->executeStep()) {
      out.push_back(read_sensor(*st));
    }
  }
  std::sort(out.begin(), out.end(), [](const sensor& a, const sensor& b) { return a.id < b.id; });
  return out;
}

std::vector<sensor> matching_sensors(sqlite_connection& conn,
                                     const std::optional<std::vector<std::int64_t>>& ids,
                                     const std::vector<std::string>& tipos,
                                     const data_scope& scope) {
  std::vector<sensor> out = matching_sensors(conn, ids, tipos);
  if (!scope.unrestricted()) {
    out.erase(
        std::remove_if(out.begin(), out.end(), [&](const sensor& s) { return !scope.contains(s); }),
        out.end());
  }
  return out;
}

// A reading's sensor matches the filter's tipo list and the scope.
bool sensor_allowed(sqlite_connection& conn, std::int64_t sensor_id,
                    const std::vector<std::string>& tipos, const data_scope& scope) {
  if (tipos.empty() && scope.unrestricted()) return true;
  const auto s = find_sensor(conn, sensor_id);
  return s && tipo_allowed(tipos, s->tipo) && scope.contains(*s);
}

// The id set both lists allow: nullopt when neither restricts.
std::optional<std::vector<std::int64_t>> allowed_ids(const std::vector<std::int64_t>& a,
                                                     const std::vector<std::int64_t>& b) {
  if (a.empty() && b.empty()) {
    return std::nullopt;
  }
  if (a.empty()) {
    return sorted_unique(b);
  }
  if (b.empty()) {
    return sorted_unique(a);
  }
  const auto sa = sorted_unique(a);
  const auto sb = sorted_unique(b);
  std::vector<std::int64_t> both;
  std::set_intersection(sa.begin(), sa.end(), sb.begin(), sb.end(), std::back_inserter(both));
  return both;
}

bool newer(const reading& a, const reading& b) {
  return a.timestamp != b.timestamp ? a.timestamp > b.timestamp : a.id > b.id;
}

std::vector<reading> latest_readings(sqlite_connection& conn, const event_filter& f,
                                     const data_scope& scope) {
  std::optional<std::vector<std::int64_t>> sensor_ids;
  if (!f.sensor_id.empty()) {
    sensor_ids = sorted_unique(f.sensor_id);
  }
  std::vector<reading> out;
  if (f.entity_id.empty()) {
    for (const sensor& s : matching_sensors(conn, sensor_ids, f.tipo, scope)) {
      auto st = conn.prepare(sql_latest_reading);
      st->bind(1, static_cast<std::int64_t>(s.id));
      if (st->executeStep()) {
        out.push_back(read_reading(*st));
      }
    }
    return out;
  }
  // Only the listed readings count: the latest of them per matching sensor.
  std::map<std::int64_t, reading> latest;       // by sensor id
  std::map<std::int64_t, bool> sensor_matches;  // sensor id -> allowed
  for (std::int64_t id : sorted_unique(f.entity_id)) {
    auto st = conn.prepare(sql_find_reading);
    st->bind(1, static_cast<std::int64_t>(id));
    if (!st->executeStep()) {
      continue;
    }
    reading l = read_reading(*st);
    auto known = sensor_matches.find(l.sensor_id);
    if (known == sensor_matches.end()) {
      const bool ok = (!sensor_ids ||
                       std::binary_search(sensor_ids->begin(), sensor_ids->end(), l.sensor_id)) &&
                      sensor_allowed(conn, l.sensor_id, f.tipo, scope);
      known = sensor_matches.emplace(l.sensor_id, ok).first;
    }
    if (!known->second) {
      continue;
    }
    auto [it, inserted] = latest.emplace(l.sensor_id, l);
    if (!inserted && newer(l, it->second)) {
      it->second = std::move(l);
    }
  }
  out.reserve(latest.size());
  for (auto& [sensor_id, l] : latest) {
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace

std::string sqlite_read_state(sqlite_connection& conn, channel c, const event_filter& f,
                              const data_scope& scope) {
  switch (c) {
    case channel::sensors:
      return to_json(matching_sensors(conn, allowed_ids(f.entity_id, f.sensor_id), f.tipo, scope));
    case channel::readings:
      return to_json(latest_readings(conn, f, scope));
    case channel::general:
      break;
  }
  return "[]";
}

}  // namespace sensorhub::detail

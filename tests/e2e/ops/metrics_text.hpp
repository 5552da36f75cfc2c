// SPDX-License-Identifier: MIT
#pragma once

// Reading the Prometheus text of GET /metrics in the ops tests.

#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>

namespace sensorhub::e2e {

// Every sample "name{labels} value" of a text-format body, keyed by the part
// before the value.
inline std::map<std::string, double> metric_samples(const std::string& body) {
  std::map<std::string, double> out;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    if (space == std::string::npos) continue;
    const std::string v = line.substr(space + 1);
    out[line.substr(0, space)] = v == "+Inf" ? 1e300 : std::stod(v);
  }
  return out;
}

inline std::optional<double> sample(const std::map<std::string, double>& m,
                                    const std::string& key) {
  const auto it = m.find(key);
  if (it == m.end()) return std::nullopt;
  return it->second;
}

// Metric names of the samples (labels dropped): the names a PromQL
// expression may select.
inline std::set<std::string> metric_names(const std::string& body) {
  std::set<std::string> names;
  for (const auto& [key, value] : metric_samples(body)) {
    names.insert(key.substr(0, key.find('{')));
  }
  return names;
}

}  // namespace sensorhub::e2e

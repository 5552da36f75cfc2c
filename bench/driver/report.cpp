// SPDX-License-Identifier: MIT
#include "driver/report.hpp"

#include <algorithm>
#include <cmath>

namespace bench {

namespace {

double rank(std::vector<float>& v, double p) {
  const auto n = v.size();
  auto k = static_cast<std::size_t>(std::ceil(p * static_cast<double>(n)));
  k = std::min(n, std::max<std::size_t>(k, 1)) - 1;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return static_cast<double>(v[k]);
}

}  // namespace

latency_summary summarize(std::vector<float>& values) {
  latency_summary s;
  s.samples = values.size();
  if (values.empty()) {
    return s;
  }
  s.p50 = rank(values, 0.50);
  s.p90 = rank(values, 0.90);
  s.p99 = rank(values, 0.99);
  s.max = static_cast<double>(*std::max_element(values.begin(), values.end()));
  return s;
}

void write_latency(json_writer& w, const char* key, const latency_summary& s) {
  w.Key(key);
  w.StartObject();
  w.Key("p50");
  w.Double(s.p50);
  w.Key("p90");
  w.Double(s.p90);
  w.Key("p99");
  w.Double(s.p99);
  w.Key("max");
  w.Double(s.max);
  w.EndObject();
}

void write_strings(json_writer& w, const char* key, const std::vector<std::string>& items) {
  w.Key(key);
  w.StartArray();
  for (const auto& s : items) {
    w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  }
  w.EndArray();
}

}  // namespace bench

// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <vector>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace bench {

using json_writer = rapidjson::Writer<rapidjson::StringBuffer>;

struct latency_summary {
  double p50 = 0, p90 = 0, p99 = 0, max = 0;
  std::size_t samples = 0;
};

// Nearest-rank percentiles; reorders `values`.
latency_summary summarize(std::vector<float>& values);

// Writes key: {"p50":..,"p90":..,"p99":..,"max":..} (milliseconds).
void write_latency(json_writer& w, const char* key, const latency_summary& s);

// Writes key: ["..", ..].
void write_strings(json_writer& w, const char* key, const std::vector<std::string>& items);

// A JSON document under construction; str() gives the single line printed.
class json_report {
 public:
  json_report() : writer_(buffer_) { writer_.SetMaxDecimalPlaces(3); }
  json_writer& w() { return writer_; }
  std::string str() const { return std::string(buffer_.GetString(), buffer_.GetSize()); }

 private:
  rapidjson::StringBuffer buffer_;
  json_writer writer_;
};

}  // namespace bench

// SPDX-License-Identifier: MIT
// `history`: a sensor's aggregates (sensorhub::client::fetch_aggregates),
// one JSON object per bucket and line on stdout.

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iostream>
#include <stdexcept>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "sensorhub/client/history.hpp"

namespace sensorhub::cli {

namespace {

std::string bucket_line(const client::agg_bucket& b) {
  rapidjson::StringBuffer out;
  rapidjson::Writer<rapidjson::StringBuffer> w(out);
  w.StartObject();
  w.Key("bucket_start");
  w.String(b.bucket_start);
  w.Key("count");
  w.Int64(b.count);
  const std::pair<const char*, double> numbers[] = {
      {"min", b.min}, {"max", b.max}, {"avg", b.avg}, {"first", b.first}, {"last", b.last}};
  for (const auto& [key, value] : numbers) {
    w.Key(key);
    w.Double(value);
  }
  w.EndObject();
  return std::string(out.GetString(), out.GetSize());
}

}  // namespace

int run_history(const history_args& a) {
  client::history_options o;
  o.url = a.url;
  o.token = a.token;
  o.tls_ca_file = a.ca_file;
  o.tls_verify_peer = !a.insecure;
  try {
    const auto buckets = client::fetch_aggregates(o, a.sensor_id, a.bucket, a.since, a.until);
    for (const auto& b : buckets) std::cout << bucket_line(b) << "\n";
    std::cout.flush();
    return exit_ok;
  } catch (const client::history_error& e) {
    std::cerr << "sensorhub-cli: history: " << e.what() << "\n";
    return e.kind() == client::error_kind::connect_failed ? exit_cannot_connect : exit_failed;
  } catch (const std::invalid_argument& e) {
    std::cerr << "sensorhub-cli: " << e.what() << "\n";
    return exit_usage;
  } catch (const std::exception& e) {
    std::cerr << "sensorhub-cli: history: " << e.what() << "\n";
    return exit_failed;
  }
}

}  // namespace sensorhub::cli

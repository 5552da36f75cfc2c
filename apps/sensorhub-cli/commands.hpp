// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sensorhub::cli {

// `watch`: prints each event as one line of JSON on stdout.
struct watch_args {
  std::string url;
  std::vector<std::string> channels;
  std::vector<std::string> filters;  // KEY=VALUE
  std::optional<std::int64_t> since;
  bool snapshot = false;
  bool conflate = false;
  bool pretty = false;
  bool quiet = false;  // no connection/state messages on stderr
  std::string token;
  std::uint64_t count = 0;  // stop after this many events (0: never)
  std::string ca_file;      // wss://: PEM CA bundle (empty: the system's)
  bool insecure = false;    // wss://: no certificate or host name verification
};
int run_watch(const watch_args& a);

// `post`, `update`, `delete` over the REST API.
struct write_args {
  std::string url;
  std::string token;
  bool test_endpoints = false;  // sensors under /test-sensors/ (the original system's test mode)
  std::string kind;             // sensor or reading
  std::int64_t id = 0;          // update, delete
  std::vector<std::string> fields;
};
int run_post(const write_args& a);
int run_update(const write_args& a);
int run_delete(const write_args& a);

// `history`: a sensor's aggregates, one JSON object per bucket and line.
struct history_args {
  std::string url;
  std::string token;
  std::int64_t sensor_id = 0;
  std::string bucket = "1h";  // 1m, 5m, 15m, 1h, 1d
  std::optional<std::string> since;
  std::optional<std::string> until;
  std::string ca_file;    // https://: PEM CA bundle (empty: the system's)
  bool insecure = false;  // https://: no certificate or host name verification
};
int run_history(const history_args& a);

}  // namespace sensorhub::cli

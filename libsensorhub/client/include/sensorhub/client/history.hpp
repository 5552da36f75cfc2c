// SPDX-License-Identifier: MIT
#pragma once

// A blocking history API over the daemon's REST side: the aggregates of one
// sensor's readings (GET /api/v1/sensores/{id}/lecturas/agg, SPEC §13,
// docs/protocol.md §14.1), one HTTP/1.1 request per call.

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sensorhub/client/connection_state.hpp"

namespace sensorhub::client {

// One bucket of readings, as the daemon answers it.
struct agg_bucket {
  std::string bucket_start;  // RFC 3339, UTC, aligned to the bucket size
  std::int64_t count = 0;
  double min = 0, max = 0, avg = 0, first = 0, last = 0;
};

struct history_options {
  // http://HOST:PORT or ws://HOST:PORT (plain), https://HOST:PORT or
  // wss://HOST:PORT (TLS): the same URL forms as client_options::url; a path
  // in the URL is ignored (the request goes to /api/v1/...).
  std::string url = "http://127.0.0.1:8000";
  std::string token;  // sent as "Authorization: Bearer TOKEN" when not empty
  // TLS only, as in client_options: the CA PEM file (empty: the system's
  // default verify paths); false: no verification at all (testing only).
  std::string tls_ca_file;
  bool tls_verify_peer = true;
  // For the whole request: connect, TLS handshake, send and read.
  std::chrono::milliseconds timeout{10000};
};

// What fetch_aggregates throws. kind is connect_failed (name lookup,
// connect, TLS handshake or verification, timeout), rejected (an HTTP status
// other than 200: http_status and the daemon's error body) or bad_message
// (not the HTTP or JSON the SPEC describes). A bad URL, a token with a
// control character or a CA file that cannot be loaded throws
// std::invalid_argument instead.
class history_error : public std::runtime_error {
 public:
  history_error(error_kind kind, const std::string& message, int http_status = 0,
                std::string body = {})
      : std::runtime_error(message),
        kind_(kind),
        http_status_(http_status),
        body_(std::move(body)) {}
  error_kind kind() const noexcept { return kind_; }
  int http_status() const noexcept { return http_status_; }
  const std::string& body() const noexcept { return body_; }

 private:
  error_kind kind_;
  int http_status_;
  std::string body_;
};

// The buckets of sensor `sensor_id` in ascending bucket_start (empty buckets
// left out). bucket: "1m", "5m", "15m", "1h" or "1d" (the daemon checks it);
// since/until: RFC 3339 (absent: the daemon's defaults, the last 24 h).
std::vector<agg_bucket> fetch_aggregates(const history_options& options, std::int64_t sensor_id,
                                         std::string_view bucket = "1h",
                                         std::optional<std::string> since = std::nullopt,
                                         std::optional<std::string> until = std::nullopt);

}  // namespace sensorhub::client

// SPDX-License-Identifier: MIT
#pragma once

// Shared vocabulary of the SPEC §9 (HTTP/1.1) end-to-end tests: raw
// keep-alive connections to the real daemon and requests built byte by byte.

#include <string>

#include "../e2e_test_util.hpp"
#include "support/http1_connection.hpp"

namespace sensorhub::e2e {

// A new keep-alive connection to the daemon.
inline http1_connection connect_http1(const daemon_process& d) {
  return http1_connection::open(d.host(), d.port());
}

// The bytes of a bodiless request on `c` (HTTP/1.1 unless told).
inline std::string bodiless(const http1_connection& c, const std::string& method,
                            const std::string& target, const header_list& headers = {},
                            int minor_version = 1) {
  return http1_request(method, target, c.authority(), headers, std::nullopt, minor_version);
}

// The bytes of a JSON POST of `body` with Content-Length.
inline std::string json_post(const http1_connection& c, const std::string& target,
                             const std::string& body, header_list headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  return http1_request("POST", target, c.authority(), headers, body);
}

// A sensor body with this modelo.
inline std::string sensor_body(const std::string& modelo) {
  return "{\"tipo\":\"temperatura\",\"modelo\":" + json_quote(modelo) + "}";
}

}  // namespace sensorhub::e2e

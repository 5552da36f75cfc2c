// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace sensorhub::cli {

// The daemon could not be reached (name lookup, connect).
struct connect_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct http_result {
  int status = 0;
  std::string body;
};

// One HTTP/1.1 request over a fresh connection (Connection: close), blocking,
// with `timeout` per socket operation. Throws connect_error when the daemon
// cannot be reached, std::runtime_error for anything later.
http_result http_request(const std::string& host, std::uint16_t port, const std::string& method,
                         const std::string& target, const std::optional<std::string>& body,
                         const std::string& token,
                         std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace sensorhub::cli

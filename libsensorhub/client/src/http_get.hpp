// SPDX-License-Identifier: MIT
#pragma once

// One blocking HTTP/1.1 GET over standalone Asio (plain) or asio::ssl (TLS
// 1.2+, SNI, chain and host name verification by tls_context.cpp), with
// Connection: close. The history API's transport (history.cpp).

#include <chrono>
#include <string>

#include "url.hpp"

namespace sensorhub::client::detail {

struct http_get_request {
  ws_url url;          // scheme, host and port (its path is not used)
  std::string target;  // "/api/v1/...?..."
  std::string token;   // "Authorization: Bearer" when not empty
  std::string tls_ca_file;
  bool tls_verify_peer = true;
  std::chrono::milliseconds timeout{10000};  // the whole exchange
};

struct http_get_response {
  int status = 0;
  std::string body;  // Content-Length, chunked or until close
};

// Throws history_error: connect_failed (lookup, connect, TLS, timeout,
// I/O) or bad_message (not an HTTP/1.x response); std::invalid_argument
// when the CA file cannot be loaded.
http_get_response http_get(const http_get_request& req);

}  // namespace sensorhub::client::detail

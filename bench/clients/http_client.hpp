// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

namespace bench {

// Outcome of one HTTP exchange. error is empty when a complete response
// arrived (whatever its status); otherwise status is 0.
struct http_response {
  int status = 0;
  std::string body;
  std::string error;
};

// Builds an HTTP/1.1 request, with "Connection: close" unless keep_alive; a
// body is sent as application/json with Content-Length. token adds
// "Authorization: Bearer".
std::string make_http_request(std::string_view method, std::string_view target,
                              std::string_view host, std::string_view body, std::string_view token,
                              bool keep_alive = false);

// One request on a connection of its own, on a private io_context: for
// setup steps (the load goes through request_driver).
http_response http_call(const asio::ip::tcp::endpoint& endpoint, std::string request,
                        std::chrono::milliseconds timeout);

// Resolves host:port once (numeric addresses need no lookup).
asio::ip::tcp::endpoint resolve_endpoint(const std::string& host, unsigned short port);

}  // namespace bench

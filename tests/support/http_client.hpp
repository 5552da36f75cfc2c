// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "json.hpp"
#include "socket_io.hpp"

namespace sensorhub::testing {

using header_list = std::vector<std::pair<std::string, std::string>>;

// A parsed HTTP/1.1 response. Header names are lower-case; a repeated header
// keeps its last value.
struct http_response {
  int status = 0;
  std::string reason;
  std::map<std::string, std::string> headers;
  std::string body;

  std::string header(const std::string& lower_name) const;
  json_doc json() const { return json_doc::parse(body); }
};

// Reads one response from `sock` (headers, then a Content-Length or chunked
// body, or up to EOF). `buffer` holds bytes already read; leftover bytes after
// the response stay in it. head_only: stop after the headers (101 upgrades).
// Throws std::runtime_error on timeout, EOF before the headers, or garbage.
http_response read_http_response(tcp_socket& sock, std::string& buffer, bool head_only,
                                 std::chrono::milliseconds timeout = default_timeout);

// Minimal HTTP/1.1 client: one connection per request (the daemon closes
// after each response). Thread-safe: holds only the address.
class http_client {
 public:
  http_client() = default;
  http_client(std::string host, std::uint16_t port) : host_(std::move(host)), port_(port) {}

  // Sends `method path` with Host and Connection: close. With a body, adds
  // Content-Length and (unless `headers` names one) Content-Type: application/json.
  http_response request(const std::string& method, const std::string& path,
                        const std::optional<std::string>& body = std::nullopt,
                        const header_list& headers = {}) const;

  http_response get(const std::string& path) const { return request("GET", path); }
  http_response post(const std::string& path, const std::string& body) const {
    return request("POST", path, body);
  }
  http_response put(const std::string& path, const std::string& body) const {
    return request("PUT", path, body);
  }
  http_response patch(const std::string& path, const std::string& body) const {
    return request("PATCH", path, body);
  }
  http_response del(const std::string& path) const { return request("DELETE", path); }

  // Sends `bytes` verbatim and reads one response. With stop_when_answered,
  // stops sending as soon as the server answers (oversized bodies).
  http_response raw(std::string_view bytes, bool stop_when_answered = false) const;

  // A copy that connects from this local IPv4 address (e.g. "127.0.0.2":
  // every 127.x.y.z works on loopback), to act as another client address.
  http_client from(std::string source_address) const {
    http_client c = *this;
    c.source_ = std::move(source_address);
    return c;
  }

  const std::string& host() const noexcept { return host_; }
  std::uint16_t port() const noexcept { return port_; }
  // "host:port" for the Host header (IPv6 hosts bracketed).
  std::string authority() const;

 private:
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  std::string source_;  // local address to bind; "" lets the OS choose
};

}  // namespace sensorhub::testing

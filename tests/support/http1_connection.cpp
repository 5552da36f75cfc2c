// SPDX-License-Identifier: MIT
#include "http1_connection.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace sensorhub::testing {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

http1_connection http1_connection::open(const std::string& host, std::uint16_t port) {
  return http1_connection(tcp_socket::connect(host, port), http_client(host, port).authority());
}

void http1_connection::send(std::string_view bytes) { sock_.send_all(bytes); }

bool http1_connection::try_send(std::string_view bytes) {
  try {
    sock_.send_all(bytes);
    return true;
  } catch (const std::runtime_error&) {
    return false;  // EPIPE / ECONNRESET: closed by the server
  }
}

bool http1_connection::send_until_answered(std::string_view bytes) {
  return sock_.send_until_readable(bytes);
}

http_response http1_connection::read(bool head_only, std::chrono::milliseconds timeout) {
  return read_http_response(sock_, buffer_, head_only, timeout);
}

bool http1_connection::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  bool eof = false;
  while (!eof) {
    if (!sock_.try_read_some(buffer_, deadline, eof)) return false;  // timed out
  }
  return true;
}

tcp_socket http1_connection::release() {
  if (!buffer_.empty()) throw std::logic_error("unread bytes on the connection");
  return std::move(sock_);
}

std::string http1_request(const std::string& method, const std::string& target,
                          const std::string& authority, const header_list& headers,
                          const std::optional<std::string>& body, int minor_version) {
  std::string req = method + " " + target + " HTTP/1." + std::to_string(minor_version) +
                    "\r\nHost: " + authority + "\r\n";
  bool framed = false;
  for (const auto& [name, value] : headers) {
    if (iequals(name, "content-length") || iequals(name, "transfer-encoding")) framed = true;
    req += name + ": " + value + "\r\n";
  }
  if (body && !framed) req += "Content-Length: " + std::to_string(body->size()) + "\r\n";
  req += "\r\n";
  if (body) req += *body;
  return req;
}

std::string chunk_body(std::string_view body, std::size_t chunk_size) {
  std::string out;
  while (!body.empty()) {
    const std::size_t n = std::min(chunk_size, body.size());
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", n);
    out += size;
    out.append(body.substr(0, n));
    out += "\r\n";
    body.remove_prefix(n);
  }
  return out + "0\r\n\r\n";
}

}  // namespace sensorhub::testing

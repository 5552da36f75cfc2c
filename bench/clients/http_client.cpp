// SPDX-License-Identifier: MIT
#include "clients/http_client.hpp"

#include <memory>
#include <stdexcept>

#include "clients/http_connection.hpp"

namespace bench {

std::string make_http_request(std::string_view method, std::string_view target,
                              std::string_view host, std::string_view body, std::string_view token,
                              bool keep_alive) {
  std::string r;
  r.reserve(160 + body.size());
  r.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  r.append(keep_alive ? "\r\n" : "\r\nConnection: close\r\n");
  r.append("User-Agent: sensorhub_bench\r\n");
  if (!token.empty()) {
    r.append("Authorization: Bearer ").append(token).append("\r\n");
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    r.append("Content-Type: application/json\r\nContent-Length: ");
    r.append(std::to_string(body.size())).append("\r\n");
  }
  r.append("\r\n").append(body);
  return r;
}

http_response http_call(const asio::ip::tcp::endpoint& endpoint, std::string request,
                        std::chrono::milliseconds timeout) {
  asio::io_context io;
  http_response out;
  const auto connection = std::make_shared<http_connection>(io, endpoint, timeout);
  connection->exchange(std::move(request), [&out](http_response r) { out = std::move(r); });
  io.run();
  return out;
}

asio::ip::tcp::endpoint resolve_endpoint(const std::string& host, unsigned short port) {
  std::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    return asio::ip::tcp::endpoint(address, port);
  }
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot resolve " + host + ": " + ec.message());
  }
  return results.begin()->endpoint();
}

}  // namespace bench

// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http_client.hpp"
#include "socket_io.hpp"

namespace sensorhub::testing {

// One client HTTP/1.1 connection kept open across requests, for the SPEC §9
// tests: sends raw bytes (several requests in one write to pipeline, a head
// without its body to wait for 100 Continue) and reads the responses in
// order. Not thread-safe: one thread per connection.
class http1_connection {
 public:
  static http1_connection open(const std::string& host, std::uint16_t port);

  const std::string& authority() const noexcept { return authority_; }

  // Sends every byte in one write call (pipelined requests stay together).
  void send(std::string_view bytes);
  // Like send, but false (instead of throwing) when the server has already
  // closed or reset the connection.
  bool try_send(std::string_view bytes);
  // Sends bytes but stops early (false) as soon as the server answers or
  // closes: pushes an oversized body at a server that refuses it midway.
  bool send_until_answered(std::string_view bytes);

  // The next response: headers, then its body by Content-Length or chunked.
  // head_only: stop after the headers (the answer to HEAD, 100 Continue,
  // 101 Switching Protocols). Throws std::runtime_error on timeout or EOF.
  http_response read(bool head_only = false, std::chrono::milliseconds timeout = default_timeout);

  // Waits for the server to close the connection (EOF or reset): true when
  // it did within `timeout`. Bytes that arrive first are kept in leftover().
  bool wait_closed(std::chrono::milliseconds timeout = default_timeout);

  // Bytes received and not yet consumed by read().
  const std::string& leftover() const noexcept { return buffer_; }

  // Hands the socket over (e.g. to ws_client::upgrade); leftover() must be
  // empty. The connection is unusable afterwards.
  tcp_socket release();

 private:
  http1_connection(tcp_socket sock, std::string authority)
      : sock_(std::move(sock)), authority_(std::move(authority)) {}

  tcp_socket sock_;
  std::string authority_;
  std::string buffer_;
};

// The bytes of one request: "METHOD target HTTP/1.<minor>", Host, the given
// headers in order, then the body. With a body and no Content-Length or
// Transfer-Encoding among `headers`, Content-Length is added; the body is
// sent as given (use chunk_body for a chunked one).
std::string http1_request(const std::string& method, const std::string& target,
                          const std::string& authority, const header_list& headers = {},
                          const std::optional<std::string>& body = std::nullopt,
                          int minor_version = 1);

// `body` in Transfer-Encoding: chunked framing, chunks of at most
// chunk_size bytes, then the last chunk and an empty trailer.
std::string chunk_body(std::string_view body, std::size_t chunk_size);

}  // namespace sensorhub::testing

// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "http_client.hpp"
#include "socket_io.hpp"

struct ssl_st;
struct ssl_ctx_st;

namespace sensorhub::testing {

// One client TLS connection (OpenSSL on a tcp_socket, every wait a poll()
// with a deadline) for the tests of the daemon's own https:// and wss://:
// verifies the server against a CA file and the host (an IP address or a
// name, also sent as SNI), then carries keep-alive HTTP/1.1 requests or a
// raw stream (SSE). Tells the peer certificate it got. Not thread-safe.
class tls_client {
 public:
  // Connects and completes the handshake; throws std::runtime_error (with
  // OpenSSL's reason) when either fails.
  tls_client(const std::string& host, std::uint16_t port, const std::filesystem::path& ca_file,
             std::chrono::milliseconds timeout = default_timeout);
  ~tls_client();
  tls_client(const tls_client&) = delete;
  tls_client& operator=(const tls_client&) = delete;

  // The server certificate's SHA-256 fingerprint ("AB:CD:..." upper-case
  // hex) and subject (RFC 2253, e.g. "CN=a").
  std::string peer_sha256() const;
  std::string peer_subject() const;
  // The negotiated protocol, e.g. "TLSv1.3".
  std::string protocol() const;

  void send(std::string_view bytes, std::chrono::milliseconds timeout = default_timeout);
  // Sends one request (Host and Content-Length added) and reads its
  // response (Content-Length or chunked body); the connection stays open.
  http_response request(const std::string& method, const std::string& target,
                        const std::optional<std::string>& body = std::nullopt,
                        const std::string& extra_headers = {},
                        std::chrono::milliseconds timeout = default_timeout);
  // Reads the next response (to a request of `method`) of what was sent.
  http_response read_response(const std::string& method,
                              std::chrono::milliseconds timeout = default_timeout);
  // Reads until `text` is in what was received and not yet consumed;
  // returns (and consumes) everything up to and including it. Throws on
  // timeout or close.
  std::string read_until(std::string_view text,
                         std::chrono::milliseconds timeout = default_timeout);
  // True when the server closes (close_notify, EOF or reset) within timeout.
  bool wait_closed(std::chrono::milliseconds timeout = default_timeout);

 private:
  // Up to one read's worth appended to buffer_; false on close.
  bool read_more(clock::time_point deadline);
  void wait(int ssl_error, clock::time_point deadline);

  tcp_socket sock_;
  ssl_ctx_st* ctx_ = nullptr;
  ssl_st* ssl_ = nullptr;
  std::string host_;
  std::string buffer_;
};

// The SHA-256 fingerprint of the first certificate of a PEM file, in
// tls_client::peer_sha256's form. Throws std::runtime_error.
std::string cert_file_sha256(const std::filesystem::path& pem);

}  // namespace sensorhub::testing

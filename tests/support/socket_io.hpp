// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace sensorhub::testing {

using clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Default deadline of every read in the e2e support code.
inline constexpr std::chrono::milliseconds default_timeout{10000};

// An owned, connected TCP socket (blocking fd, every wait done with poll()).
// Not thread-safe: one thread uses one socket at a time.
class tcp_socket {
 public:
  tcp_socket() = default;
  ~tcp_socket();
  tcp_socket(const tcp_socket&) = delete;
  tcp_socket& operator=(const tcp_socket&) = delete;
  tcp_socket(tcp_socket&& other) noexcept;
  tcp_socket& operator=(tcp_socket&& other) noexcept;

  // Connects to host:port (numeric IPv4/IPv6 or a name). With a numeric
  // IPv4 source_address (e.g. "127.0.0.2") the socket is bound to it first,
  // so a test can look like a second client address. receive_buffer > 0
  // sets SO_RCVBUF before connecting (a small window from the start).
  // Throws std::runtime_error.
  static tcp_socket connect(const std::string& host, std::uint16_t port,
                            std::chrono::milliseconds timeout = default_timeout,
                            const std::string& source_address = {}, int receive_buffer = 0);

  bool is_open() const noexcept { return fd_ >= 0; }
  int fd() const noexcept { return fd_; }

  // Sends every byte; throws std::runtime_error on error (EPIPE, reset, timeout).
  void send_all(std::string_view bytes, std::chrono::milliseconds timeout = default_timeout);

  // Sends bytes but stops early (returning false) as soon as the peer has
  // something to read for us or resets the connection: used to push an
  // oversized body at a server that answers before reading all of it.
  bool send_until_readable(std::string_view bytes,
                           std::chrono::milliseconds timeout = default_timeout);

  // Appends at least one byte to `out`. Returns false on orderly EOF.
  // Throws std::runtime_error on timeout or error.
  bool read_some(std::string& out, clock::time_point deadline);

  // Like read_some but returns false on timeout instead of throwing; sets eof.
  bool try_read_some(std::string& out, clock::time_point deadline, bool& eof);

  void shutdown_write() noexcept;
  void close() noexcept;

 private:
  explicit tcp_socket(int fd) noexcept : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace sensorhub::testing

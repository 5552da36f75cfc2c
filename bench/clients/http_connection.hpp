// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>

#include "clients/http_client.hpp"

namespace bench {

// One client's HTTP/1.1 connection, reused for request after request as long
// as the server keeps it open (keep-alive); reconnects when it was closed
// (a "Connection: close" response, or today's sensorhubd that closes after
// each response). A request that fails on a reused connection before any
// byte of the answer arrived is sent once more on a fresh one (the server
// closed an idle connection). One exchange at a time.
// Thread-safety: its handlers run on its own strand; exchange() must not be
// called again before the previous `done` ran.
class http_connection : public std::enable_shared_from_this<http_connection> {
 public:
  using callback = std::function<void(http_response)>;

  http_connection(asio::io_context& io, asio::ip::tcp::endpoint endpoint,
                  std::chrono::milliseconds timeout);

  void exchange(std::string request, callback done);
  // TCP connections opened so far (1 per request without keep-alive).
  std::size_t connects() const { return connects_; }

 private:
  void connect_then_write();
  void write();
  void read_more();
  void on_failure(const std::string& why, bool nothing_received);
  void complete(http_response r, bool keep_open);
  void close_socket();

  asio::strand<asio::io_context::executor_type> strand_;
  asio::ip::tcp::endpoint endpoint_;
  std::chrono::milliseconds timeout_;
  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::string request_;
  callback done_;
  std::string received_;
  std::array<char, 16384> chunk_{};
  std::size_t connects_ = 0;
  std::uint64_t generation_ = 0;  // bumps per exchange: stale handlers ignore themselves
  bool reused_ = false;           // this attempt runs on a connection that served before
  bool retried_ = false;
  bool finished_ = true;
};

}  // namespace bench

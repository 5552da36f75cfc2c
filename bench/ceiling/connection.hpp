// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <asio/ip/tcp.hpp>

namespace ceiling {

class hub;
class worker;
struct http_request;

// One accepted socket: HTTP/1.1 keep-alive requests until it upgrades, then
// a WebSocket that receives every published frame. Reads wait for
// readability and then read into a per-thread scratch buffer, so an idle
// connection holds no read buffer. A fan-out pass goes out in one gather
// write from the shared frames; only bytes the kernel does not take are
// copied into a pending string, written by one async write at a time.
// Lives on its worker's thread only (not thread-safe).
class connection : public std::enable_shared_from_this<connection> {
 public:
  connection(asio::ip::tcp::socket socket, worker& owner, hub& server);

  void start();
  // Sends one pass of pre-framed messages (WebSockets only): one gather
  // write, the rest queued behind it.
  void send(const std::vector<std::shared_ptr<const std::string>>& frames);
  // Starts a write of everything pending unless one is in flight.
  void flush();

  std::size_t slot = 0;  // index in the worker's socket list

 private:
  void wait_readable();
  void on_readable();
  bool consume_http();  // false: close
  bool consume_websocket();
  bool answer(const http_request& req, std::string_view body);
  void respond(int status, std::string_view body, bool keep_alive);
  void write_sensor(const http_request& req, std::string_view body, bool create);
  void upgrade(const http_request& req);
  void close();

  asio::ip::tcp::socket socket_;
  worker& owner_;
  hub& hub_;
  std::string in_;        // bytes read but not yet consumed
  std::string out_;       // pending output
  std::string inflight_;  // output being written
  bool writing_ = false;
  bool websocket_ = false;
  bool close_after_write_ = false;
  bool closed_ = false;
};

}  // namespace ceiling

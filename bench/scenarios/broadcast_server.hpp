// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace bench {

// A minimal websocketpp server inside the bench process, for the
// broadcast-baseline scenario: it greets each connection with a
// connection_established message and sends every broadcast() payload to all
// open connections. No HTTP routes, no storage: the floor that sensorhubd's
// fan-out is compared with.
// Thread-safety: broadcast() and connections() from any one thread; the
// server runs on its own io thread.
class broadcast_server {
 public:
  broadcast_server();
  ~broadcast_server();
  broadcast_server(const broadcast_server&) = delete;
  broadcast_server& operator=(const broadcast_server&) = delete;

  unsigned short port() const;
  std::size_t connections() const;
  void broadcast(const std::string& payload);
  void shutdown();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace bench

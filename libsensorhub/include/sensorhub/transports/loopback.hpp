// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "sensorhub/session.hpp"
#include "sensorhub/transport.hpp"

namespace sensorhub {

// An in-process transport: "connections" are objects, messages are strings.
// It speaks the same protocol as the WebSocket transport (greeting, resume,
// client messages, slow-consumer close), so tests and examples need no
// sockets. Thread-safe. Every connection's session runs on one strand
// thread owned by the transport; a server message waits in the connection's
// inbox until receive() takes it, and what waits there counts toward the
// session's slow-consumer backlog.
class loopback_transport final : public transport {
 public:
  class connection;

  loopback_transport();
  ~loopback_transport() override;

  void start(const transport_context& ctx) override;
  void stop() noexcept override;

  // Opens a connection; the greeting is queued at once.
  std::shared_ptr<connection> connect(const session_options& opts);

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

// The client side of one loopback connection.
class loopback_transport::connection {
 public:
  virtual ~connection() = default;
  // Next server message, waiting up to `timeout`; nullopt on timeout or
  // after the connection closed and everything was read.
  virtual std::optional<std::string> receive(std::chrono::milliseconds timeout) = 0;
  // A client text message (ping, subscribe, ...).
  virtual void send(std::string_view text) = 0;
  // A client binary frame (answered with an "unsupported_data" error).
  virtual void send_binary(std::string_view data) = 0;
  // Closes from the client side.
  virtual void close() = 0;
  // Close code and reason once the server closed it (0 while open).
  virtual int close_code() const = 0;
  virtual std::string close_reason() const = 0;
};

}  // namespace sensorhub

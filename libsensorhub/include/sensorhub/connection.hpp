// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sensorhub/event.hpp"

namespace sensorhub {

// The wire side of one client connection, as a session sees it. A transport
// implements it once per connection and hands it to a session (which owns
// it); the session never learns what the wire is.
//
// Threading: the session calls send_text, send_event, close and
// buffered_bytes only on the connection's thread: from inside start(),
// on_client_text(), on_client_binary(), close() or a function it passed to
// post(). post() itself is called from any thread (e.g. the publishing
// thread) and must not block. None of them may throw across the session
// (report failures by closing).
class connection {
 public:
  virtual ~connection() = default;

  // Sends one text message; FIFO; must not block (buffer instead).
  virtual void send_text(std::shared_ptr<const std::string> text) = 0;
  // Sends one event; override to reuse a message framed once for everyone.
  virtual void send_event(const event& e) { send_text(e.json); }
  // Closes with a WebSocket-style code and reason (1000, 1001, 1008,
  // 1011). The session calls it at most once.
  virtual void close(int code, std::string_view reason) = 0;
  // Runs fn on the connection's thread, after everything posted before it.
  // Once the connection is gone fn may be dropped: destroyed, never run.
  virtual void post(std::function<void()> fn) = 0;
  // Bytes sent but still held unsent (socket buffers, an inbox); read right
  // after each send and counted toward the slow-consumer limit. When they
  // drain later, tell the session: session::set_transport_backlog.
  virtual std::size_t buffered_bytes() const { return 0; }
};

}  // namespace sensorhub

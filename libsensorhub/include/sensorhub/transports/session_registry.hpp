// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <vector>

#include "sensorhub/connection.hpp"
#include "sensorhub/session.hpp"
#include "sensorhub/transport.hpp"

namespace sensorhub {

// The sessions of one transport: creates and starts one session per
// connection, and closes all of them when the transport stops. With it and
// a serial_executor, a transport's start/stop are a few lines:
//
//   void start(const transport_context& ctx) override { sessions_.start(ctx); ... }
//   void stop() noexcept override { sessions_.stop(); executor_.stop(); ... }
//
// Thread-safe. Holds sessions weakly: whoever owns the connection (e.g. the
// reading side of a socket) owns its session and calls session::stop() when
// the peer goes away.
class session_registry {
 public:
  session_registry() = default;
  ~session_registry();
  session_registry(const session_registry&) = delete;
  session_registry& operator=(const session_registry&) = delete;

  // From transport::start: the context every session gets.
  void start(const transport_context& ctx);

  // Creates a session on `conn` and runs its start(opts) through
  // conn->post(), waiting for it: when open() returns, the session is
  // subscribed and will see every event published afterwards. Must not be
  // called on the connection's own thread (it would wait for itself): use
  // open_here() there. Returns nullptr when the session cannot run: while
  // stopping (conn->close(1001, "going away") is called right here, where
  // no session ever used the connection) or when conn dropped the start.
  // Throws sensorhub::error(errc::unavailable) before start().
  std::shared_ptr<session> open(std::shared_ptr<connection> conn, const session_options& opts);
  // The same, on the connection's own thread: starts the session inline.
  std::shared_ptr<session> open_here(std::shared_ptr<connection> conn, const session_options& opts);

  // Refuses new sessions and posts close(1001, "going away") to every open
  // session, behind what its connection already queued (so events already
  // published, like server_stopping, still go out first). Does not wait:
  // stop the executors the connections post to afterwards
  // (serial_executor::stop runs the closes). Idempotent.
  void stop() noexcept;

  // Sessions registered and not yet destroyed.
  std::size_t size() const;

 private:
  std::shared_ptr<session> create(const std::shared_ptr<connection>& conn,
                                  const session_options& opts, transport_context& ctx);

  mutable std::mutex m_;
  bool started_ = false;
  bool stopping_ = false;
  transport_context ctx_;
  std::vector<std::weak_ptr<session>> sessions_;
};

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#pragma once

// What sensorhub::client forwards to: one subscription's connection logic,
// implemented once over websocketpp's plain and TLS Asio configurations
// (basic_session.hpp); make_session picks one by the URL's scheme.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>

#include "sensorhub/client/client_options.hpp"
#include "sensorhub/client/connection_state.hpp"
#include "sensorhub/client/event.hpp"

namespace sensorhub::client::detail {

// The callbacks of client (set before start(), read on the network thread).
struct callbacks {
  std::function<void(const event&)> on_entity, on_system, on_test, on_snapshot, on_resume_failed;
  std::function<void(connection_state)> on_state;
  std::function<void(const client_error&)> on_error;
};

class session {
 public:
  virtual ~session() = default;

  virtual void start() = 0;
  virtual void request_stop() = 0;
  virtual void stop() = 0;
  virtual std::optional<event> next_event(std::chrono::milliseconds timeout) = 0;
  virtual connection_state state() const = 0;
  virtual std::optional<std::int64_t> last_seq() const = 0;
  virtual std::optional<client_error> stop_error() const = 0;

  callbacks cb;
};

// Checks the options (std::invalid_argument) and builds the session for
// the URL: plain for ws:// and http://, TLS for wss:// and https://.
std::unique_ptr<session> make_session(client_options options);
std::unique_ptr<session> make_plain_session(client_options options);
std::unique_ptr<session> make_tls_session(client_options options);

}  // namespace sensorhub::client::detail

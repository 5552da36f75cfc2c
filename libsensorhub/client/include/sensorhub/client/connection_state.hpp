// SPDX-License-Identifier: MIT
#pragma once

#include <string>

namespace sensorhub::client {

// The client's connection, as reported to client::on_state().
enum class connection_state {
  connecting,      // first connection attempt (or a new one without a resume point)
  open,            // greeted; events flow
  resuming,        // connecting again with since = the last seen seq
  resumed,         // open again after resuming
  reconnect_wait,  // waiting (backoff) before the next attempt
  stopped,         // stop() was called or the client gave up; final
};

const char* to_string(connection_state s) noexcept;

// Why something went wrong, as reported to client::on_error().
enum class error_kind {
  connect_failed,   // TCP or handshake failure (the client retries unless told not to)
  rejected,         // handshake answered with an HTTP error (400, 401, 403, 404): stops
  connection_lost,  // an open connection ended (daemon restart, network); reconnecting
  dead_peer,        // no traffic for pong_timeout: the connection is replaced
  resume_failed,    // the daemon no longer has the events after the resume point
  server_error,     // an {"type":"error"} message from the daemon
  bad_message,      // a frame that is not the JSON the SPEC describes
  callback,         // a callback threw; the message is its what()
};

const char* to_string(error_kind k) noexcept;

struct client_error {
  error_kind kind = error_kind::connect_failed;
  std::string message;
  int http_status = 0;  // rejected: the handshake's status
  int close_code = 0;   // connection_lost: the close frame's code (0: none)
};

}  // namespace sensorhub::client

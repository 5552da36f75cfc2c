// SPDX-License-Identifier: MIT
#include "sensorhub/client/connection_state.hpp"
#include "sensorhub/client/event.hpp"

namespace sensorhub::client {

const char* to_string(event_kind kind) noexcept {
  switch (kind) {
    case event_kind::entity:
      return "entity";
    case event_kind::system:
      return "system";
    case event_kind::test:
      return "test";
    case event_kind::snapshot:
      return "snapshot";
    case event_kind::resume_failed:
      return "resume_failed";
  }
  return "?";
}

const char* to_string(connection_state s) noexcept {
  switch (s) {
    case connection_state::connecting:
      return "connecting";
    case connection_state::open:
      return "open";
    case connection_state::resuming:
      return "resuming";
    case connection_state::resumed:
      return "resumed";
    case connection_state::reconnect_wait:
      return "reconnect_wait";
    case connection_state::stopped:
      return "stopped";
  }
  return "?";
}

const char* to_string(error_kind k) noexcept {
  switch (k) {
    case error_kind::connect_failed:
      return "connect_failed";
    case error_kind::rejected:
      return "rejected";
    case error_kind::connection_lost:
      return "connection_lost";
    case error_kind::dead_peer:
      return "dead_peer";
    case error_kind::resume_failed:
      return "resume_failed";
    case error_kind::server_error:
      return "server_error";
    case error_kind::bad_message:
      return "bad_message";
    case error_kind::callback:
      return "callback";
  }
  return "?";
}

}  // namespace sensorhub::client

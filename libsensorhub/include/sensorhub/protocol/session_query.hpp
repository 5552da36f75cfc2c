// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sensorhub/session.hpp"

namespace sensorhub {

// What a subscription URL's query asks for, the same for every transport
// that subscribes from a URL (the WebSocket handshake, Server-Sent Events;
// SPEC §3, §5, §6, §10, §11).
struct session_query {
  session_options session;
  std::optional<std::string> token;  // for the caller's auth check
};

// Parses `channel` (repeated or comma-separated; default general), `since`,
// `snapshot`, `conflate`, `token` and the filter keys of SPEC §6. Any other
// key, an unknown channel, a bad `since` or a malformed filter throws
// error(errc::invalid_parameter). Thread-safe (no shared state).
session_query parse_session_query(std::string_view raw_query);

}  // namespace sensorhub

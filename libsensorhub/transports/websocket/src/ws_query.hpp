// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "sensorhub/session.hpp"

namespace sensorhub::ws_detail {

// What a WebSocket URL's query asks for (SPEC §3, §5, §6).
struct ws_query {
  session_options session;
  std::optional<std::string> token;  // checked by the handshake_check hook
};

// Parses `channel` (repeated or comma-separated; default general), `since`,
// `snapshot`, `conflate`, `token` and the filter keys. Any other key, an unknown channel,
// a bad `since` or a malformed filter throws error(errc::invalid_parameter).
// Thread-safe (no shared state).
ws_query parse_ws_query(std::string_view raw_query);

}  // namespace sensorhub::ws_detail

// SPDX-License-Identifier: MIT
#include "ws_query.hpp"

#include <utility>

#include "sensorhub/protocol/session_query.hpp"

namespace sensorhub::ws_detail {

// The parsing is the core's (shared with the SSE transport).
ws_query parse_ws_query(std::string_view raw_query) {
  session_query q = parse_session_query(raw_query);
  return ws_query{std::move(q.session), std::move(q.token)};
}

}  // namespace sensorhub::ws_detail

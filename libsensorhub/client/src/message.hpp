// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sensorhub/client/event.hpp"

namespace sensorhub::client::detail {

// A frame from the daemon, read with RapidJSON.
struct message {
  enum class type {
    event,     // `ev` holds an entity, system, test, snapshot or resume_failed event
    greeting,  // connection_established
    stats,     // `stats_last_seq`: data.last_seq
    pong,
    error,      // `text`: "error: detail"
    other,      // subscribed, unsubscribed, anything newer
    malformed,  // `text`: why
  };
  type kind = type::other;
  event ev;
  std::optional<std::int64_t> stats_last_seq;
  std::string text;
};

message parse_message(std::string json);

}  // namespace sensorhub::client::detail

// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "sensorhub/error.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/filter.hpp"

namespace sensorhub {

// A client -> server message of SPEC §3 (ping, get_stats, subscribe,
// unsubscribe), parsed from untrusted text. Plain value type.
enum class client_message_type { ping, get_stats, subscribe, unsubscribe };

struct client_message {
  client_message_type type = client_message_type::ping;
  std::optional<channel> chan;         // subscribe/unsubscribe (required there)
  event_filter filter;                 // subscribe
  std::optional<std::uint64_t> since;  // subscribe: resume
  bool snapshot = false;               // subscribe
  std::optional<bool> conflate;        // subscribe: SPEC §11 for this channel
};

// Throws error(errc::invalid_json) for malformed JSON and
// error(errc::validation_failed) (a validation_error) for a well-formed
// message that is not one of the four (unknown type, bad channel, bad filter).
// Thread-safe (no shared state).
client_message parse_client_message(std::string_view text);

}  // namespace sensorhub

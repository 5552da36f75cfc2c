// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

enum class message_kind {
  connection_established,
  stats,
  entity_event,
  resume_failed,
  error,
  other,
  invalid
};

// What the bench needs from one server message. For entity events,
// write_index is N when data.modelo is "<marker_prefix>-N" (the bench's own
// writes), else -1. text holds the reason/detail of rare messages only.
struct ws_message {
  message_kind kind = message_kind::other;
  std::int64_t seq = -1;
  std::int64_t entity_id = -1;
  bool is_reading = false;
  std::int64_t write_index = -1;
  std::int64_t oldest_seq = -1;
  std::string text;
};

// Parses a text frame with RapidJSON (iterative, no recursion); never throws.
// Thread-safe (per-thread scratch buffers).
ws_message parse_ws_message(std::string_view payload, std::string_view marker_prefix);

// The subscribers' cheap receive path: entity events and the greeting are
// read by scanning for a few keys ("seq", "entity_id", "entity_type",
// data.modelo's marker) without parsing the JSON; any other message (rare:
// errors, resume_failed, stats) goes through parse_ws_message. Relies on
// the top-level keys never appearing inside string values (quotes are
// escaped there) and on the event data having no "seq"/"type" keys of its
// own, which holds for sensors and readings.
// Thread-safety: immutable after construction.
class ws_scanner {
 public:
  explicit ws_scanner(std::string marker_prefix);
  ws_message scan(std::string_view payload) const;

 private:
  std::string marker_prefix_;
  std::string marker_key_;  // "modelo":"<prefix>-
};

}  // namespace bench

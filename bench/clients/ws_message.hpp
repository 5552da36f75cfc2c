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
ws_message parse_ws_message(const std::string& payload, std::string_view marker_prefix);

}  // namespace bench

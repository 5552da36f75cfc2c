// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sensorhub/event.hpp"

namespace sensorhub {

// The Server-Sent Events wire format (SPEC §10, WHATWG "server-sent
// events"): one record per message,
//
//   id: 42                      (only for messages that carry a seq)
//   event: entity_event         (the message's "type")
//   data: {"type":"entity_event","seq":42,...}
//   <blank line>
//
// The data is the exact JSON a WebSocket client gets. Our JSON never holds a
// raw line break (RapidJSON escapes them), but the encoder still splits data
// at line breaks into several `data:` lines, which a reader joins back with
// "\n", so any text round-trips. Pure functions; thread-safe.

// One record; no `id:` line when id is empty.
std::string sse_record(std::string_view event_name, std::optional<std::uint64_t> id,
                       std::string_view data);

// The record of a published event: `id: <seq>` when it has one (entity and
// system events; test_event has none), `event:` entity_event, system_event
// or test_event.
std::string sse_event_record(const event& e);

// The `type` of a server message ({"type":"stats",...} -> "stats"), read
// from its first key as every message the session sends starts with it;
// "message" (the SSE default) when there is none.
std::string_view sse_message_type(std::string_view json) noexcept;

// A comment record (": keepalive\n\n"), ignored by readers.
std::string sse_comment(std::string_view text);

// The record a slow consumer's stream ends with (SPEC §10).
std::string sse_slow_consumer_record();

}  // namespace sensorhub

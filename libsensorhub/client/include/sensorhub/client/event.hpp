// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace sensorhub::client {

// What a delivered message is (SPEC §3, §5, §6).
enum class event_kind {
  entity,         // "entity_event": a sensor or reading was created, updated or deleted
  system,         // "system_event" on channel general (server_started, server_stopping, ...)
  test,           // "test_event" (no seq)
  snapshot,       // "snapshot": the current state, consistent with its seq
  resume_failed,  // "resume_failed": the resume point is older than the daemon's history
};

// "entity", "system", "test", "snapshot", "resume_failed".
const char* to_string(event_kind kind) noexcept;

// One message from the daemon, as received. `json` is the exact text of the
// WebSocket frame; the other fields are read from it for convenience.
struct event {
  event_kind kind = event_kind::entity;
  std::string json;                        // the exact JSON text the daemon sent
  std::optional<std::int64_t> seq;         // entity, system (when persisted), snapshot
  std::string channel;                     // entity, test, snapshot
  std::string entity_type;                 // entity: "sensor" or "lectura"
  std::string event_type;                  // entity: "created", ...; system: the event name
  std::int64_t entity_id = 0;              // entity
  std::optional<std::int64_t> oldest_seq;  // resume_failed
};

}  // namespace sensorhub::client

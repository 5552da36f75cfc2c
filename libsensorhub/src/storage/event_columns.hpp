// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>

#include "sensorhub/event.hpp"

// How an event's kind and entity are spelled in the event log's `kind` and
// `entity_type` columns, the same in every storage engine.
namespace sensorhub::detail {

const char* kind_name(event_kind k) noexcept;  // "entity", "system", "test"
event_kind parse_kind(const std::string& s) noexcept;
// The stored entity_type column: null for system and test events.
const char* entity_name(entity_kind k) noexcept;
entity_kind parse_entity(const std::optional<std::string>& s) noexcept;

}  // namespace sensorhub::detail

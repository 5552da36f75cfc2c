// SPDX-License-Identifier: MIT
#include "sensorhub/event.hpp"

namespace sensorhub {

const char* channel_name(channel c) noexcept {
  switch (c) {
    case channel::sensors:
      return "sensors";
    case channel::readings:
      return "readings";
    case channel::general:
      return "general";
  }
  return "general";
}

std::optional<channel> parse_channel(std::string_view name) noexcept {
  for (channel c : all_channels) {
    if (name == channel_name(c)) return c;
  }
  return std::nullopt;
}

const char* entity_kind_name(entity_kind k) noexcept {
  switch (k) {
    case entity_kind::sensor:
      return "sensor";
    case entity_kind::reading:
      return "lectura";
    case entity_kind::none:
      return "none";
  }
  return "none";
}

const char* event_type_name(event_type t) noexcept {
  switch (t) {
    case event_type::created:
      return "created";
    case event_type::updated:
      return "updated";
    case event_type::deleted:
      return "deleted";
    case event_type::scope_left:
      return "scope_left";
    case event_type::scope_entered:
      return "scope_entered";
  }
  return "created";
}

std::optional<event_type> parse_event_type(std::string_view name) noexcept {
  for (event_type t : {event_type::created, event_type::updated, event_type::deleted}) {
    if (name == event_type_name(t)) return t;
  }
  return std::nullopt;
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "storage/event_columns.hpp"

namespace sensorhub::detail {

const char* kind_name(event_kind k) noexcept {
  switch (k) {
    case event_kind::entity:
      return "entity";
    case event_kind::system:
      return "system";
    case event_kind::test:
      return "test";
  }
  return "system";
}

event_kind parse_kind(const std::string& s) noexcept {
  if (s == "entity") {
    return event_kind::entity;
  }
  if (s == "test") {
    return event_kind::test;
  }
  return event_kind::system;
}

const char* entity_name(entity_kind k) noexcept {
  return k == entity_kind::none ? nullptr : entity_kind_name(k);
}

entity_kind parse_entity(const std::optional<std::string>& s) noexcept {
  if (s && *s == "sensor") {
    return entity_kind::sensor;
  }
  if (s && *s == "lectura") {
    return entity_kind::reading;
  }
  return entity_kind::none;
}

}  // namespace sensorhub::detail

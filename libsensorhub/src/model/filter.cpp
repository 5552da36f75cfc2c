// SPDX-License-Identifier: MIT
#include "sensorhub/filter.hpp"

#include <algorithm>

namespace sensorhub {

namespace {

template <typename T, typename U>
bool allows(const std::vector<T>& list, const U& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

// A scope view matches as what it means to its scope (SPEC §7.1): the
// sensor left it (deleted) or entered it (created).
event_type filter_type(event_type t) noexcept {
  switch (t) {
    case event_type::scope_left:
      return event_type::deleted;
    case event_type::scope_entered:
      return event_type::created;
    default:
      return t;
  }
}

}  // namespace

bool event_filter::matches(const event& e) const {
  if (e.kind != event_kind::entity) return true;
  return allows(entity_id, e.entity_id) && allows(sensor_id, e.sensor_id) &&
         allows(event_types, filter_type(e.type)) && allows(tipo, e.tipo) &&
         (!predicate || predicate(e));
}

}  // namespace sensorhub

#include "sensorhub/filter.hpp"

#include <algorithm>

namespace sensorhub {

namespace {

template <typename T, typename U>
bool allows(const std::vector<T>& list, const U& value) {
  return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

bool event_filter::matches(const event& e) const {
  if (e.kind != event_kind::entity) return true;
  return allows(entity_id, e.entity_id) && allows(sensor_id, e.sensor_id) &&
         allows(event_types, e.type) && allows(tipo, e.tipo) && (!predicate || predicate(e));
}

}  // namespace sensorhub

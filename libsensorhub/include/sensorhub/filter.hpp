// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sensorhub/event.hpp"

namespace sensorhub {

// A subscription filter, SPEC §6. Each list is OR, different keys are AND,
// an empty list matches everything. Only entity events are filtered: system
// and test events always pass. `predicate`, when set, is ANDed in (the hook
// for embedders; it must be cheap and must not throw).
struct event_filter {
  std::vector<std::int64_t> entity_id;
  std::vector<std::int64_t> sensor_id;  // readings of these sensors / these sensors
  std::vector<event_type> event_types;
  std::vector<std::string> tipo;  // sensors of this tipo / readings of them
  std::function<bool(const event&)> predicate;

  bool empty() const noexcept {
    return entity_id.empty() && sensor_id.empty() && event_types.empty() && tipo.empty() &&
           !predicate;
  }
  bool matches(const event& e) const;
};

}  // namespace sensorhub

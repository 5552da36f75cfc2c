// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sensorhub/event.hpp"
#include "sensorhub/model.hpp"

namespace sensorhub {

// A per-user data scope (SPEC §7.1): the sensors a token may see and touch,
// and their readings. Keys AND, values OR; an empty list puts no restriction
// on that key, so a default-constructed scope is unrestricted. A sensor
// whose ubicacion is null never matches a non-empty ubicacion list.
// Plain value type; const member functions are thread-safe.
struct data_scope {
  std::vector<std::int64_t> sensor_id;
  std::vector<std::string> tipo;
  std::vector<std::string> ubicacion;

  bool unrestricted() const noexcept {
    return sensor_id.empty() && tipo.empty() && ubicacion.empty();
  }
  bool contains(const sensor& s) const noexcept;
  bool contains(std::int64_t sensor_id, std::string_view tipo,
                const std::optional<std::string>& ubicacion) const noexcept;
};

bool operator==(const data_scope& a, const data_scope& b) noexcept;
inline bool operator!=(const data_scope& a, const data_scope& b) noexcept { return !(a == b); }

// How one event looks to a scope — THE one check used by live delivery,
// replay, /events and SSE: nullopt = invisible; otherwise the event itself,
// or, for a sensor update that moved the sensor out of / into the scope, the
// prebuilt variant with event_type scope_left / scope_entered (same seq,
// its own JSON, serialized once when the event was made). Judged on the
// keys stored with the event (as they were at commit), never on the current
// rows. System and test events are visible to every scope.
std::optional<event> scoped_view(const event& e, const data_scope& s);

// The same check without a copy, for fan-out: &e, the variant held by
// e.moved, or nullptr when invisible. The pointer lives as long as `e`.
const event* scoped_view_ptr(const event& e, const data_scope& s) noexcept;

}  // namespace sensorhub

#pragma once

// TEMPORARY (issue 13): a copy of the core's sensorhub/data_scope.hpp as
// SCOPE_DESIGN.md specifies it, so the auth side builds before branch
// scope-core lands. Deleted at the merge; includes switch to the core header.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sensorhub/model.hpp"

namespace sensorhub {

// A token's data scope (SPEC §7.1): keys AND, values OR; an empty list = no
// restriction on that key.
struct data_scope {
  std::vector<std::int64_t> sensor_id;
  std::vector<std::string> tipo;
  std::vector<std::string> ubicacion;  // a null ubicacion never matches a non-empty list

  bool unrestricted() const noexcept {
    return sensor_id.empty() && tipo.empty() && ubicacion.empty();
  }
  bool contains(const sensor& s) const noexcept { return contains(s.id, s.tipo, s.ubicacion); }
  bool contains(std::int64_t id, std::string_view t,
                const std::optional<std::string>& u) const noexcept {
    if (!sensor_id.empty() && std::find(sensor_id.begin(), sensor_id.end(), id) == sensor_id.end())
      return false;
    if (!tipo.empty() && std::find(tipo.begin(), tipo.end(), t) == tipo.end()) return false;
    if (!ubicacion.empty() &&
        (!u || std::find(ubicacion.begin(), ubicacion.end(), *u) == ubicacion.end()))
      return false;
    return true;
  }
};

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "sensorhub/liveness.hpp"

#include <algorithm>

namespace sensorhub {

std::optional<std::chrono::seconds> staleness_policy::bound_for(const std::string& tipo) const {
  const auto it = per_tipo.find(tipo);
  if (it != per_tipo.end()) return it->second;
  if (default_bound.count() > 0) return default_bound;
  return std::nullopt;
}

std::chrono::milliseconds staleness_policy::check_interval() const {
  using std::chrono::milliseconds;
  auto smallest = default_bound.count() > 0 ? default_bound : std::chrono::seconds::max();
  for (const auto& [tipo, bound] : per_tipo) smallest = std::min(smallest, bound);
  if (smallest == std::chrono::seconds::max()) return milliseconds(30000);
  const auto quarter = std::chrono::duration_cast<milliseconds>(smallest) / 4;
  return std::clamp(quarter, milliseconds(250), milliseconds(30000));
}

bool is_stale(const staleness_policy& p, const std::string& tipo,
              const std::optional<timestamp>& last, timestamp now) {
  const auto bound = p.bound_for(tipo);
  if (!bound || !last) return false;
  return now - *last > *bound;
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "sensorhub/time.hpp"

namespace sensorhub {

// How long a sensor may stay silent before it is stale (SPEC §13): a bound
// per `tipo`, and a default for the other tipos (0: they are never stale).
// With neither, liveness is off. Plain data; copy freely.
struct staleness_policy {
  std::map<std::string, std::chrono::seconds> per_tipo;
  std::chrono::seconds default_bound{0};

  bool enabled() const noexcept { return default_bound.count() > 0 || !per_tipo.empty(); }
  // The bound for `tipo`, or nothing when sensors of that tipo are never stale.
  std::optional<std::chrono::seconds> bound_for(const std::string& tipo) const;
  // How often the checker looks: a quarter of the smallest bound, within
  // [250 ms, 30 s].
  std::chrono::milliseconds check_interval() const;
};

// GET /sensores/{id}/status (SPEC §13).
struct sensor_status {
  std::int64_t sensor_id = 0;
  std::optional<timestamp> last_reading_at;  // the newest reading's `timestamp`
  std::optional<double> last_valor;
  bool stale = false;
};

// The stored liveness of one sensor, as the checker reads it.
struct liveness_row {
  std::int64_t sensor_id = 0;
  std::string tipo;
  std::optional<timestamp> last_reading_at;  // none: no reading yet
  bool stale = false;                        // as last reported by an event
};

// Whether a sensor whose newest reading is at `last` is stale at `now`.
bool is_stale(const staleness_policy& p, const std::string& tipo,
              const std::optional<timestamp>& last, timestamp now);

}  // namespace sensorhub

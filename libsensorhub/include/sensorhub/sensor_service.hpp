#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sensorhub/model.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub {

// Sensor CRUD with its events (SPEC §1-3). Each write validates, runs in one
// repository transaction together with its event, and is published by the
// repository's commit hook after the commit. Thread-safe.
// Throws validation_error (422) and error(errc::not_found) (404).
class sensor_service {
 public:
  explicit sensor_service(repository& repo) : repo_(repo) {}

  sensor create(const sensor_patch& p);
  std::optional<sensor> get(std::int64_t id);
  std::vector<sensor> list(const sensor_query& q);
  // Changes the given fields; emits "updated" only if a value really
  // changed, listing exactly those fields. Returns the sensor after.
  sensor update(std::int64_t id, const sensor_patch& p);
  // Deletes the sensor and its readings; returns how many readings went.
  std::int64_t remove(std::int64_t id);

 private:
  repository& repo_;
};

}  // namespace sensorhub

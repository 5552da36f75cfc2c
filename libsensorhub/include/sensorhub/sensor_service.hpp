// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/model.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub {

// Sensor CRUD with its events (SPEC §1-3). Each write validates, runs in one
// repository transaction together with its event, and is published by the
// repository's commit hook after the commit. Thread-safe.
// Throws validation_error (422) and error(errc::not_found) (404).
//
// Every method takes the caller's data scope (SPEC §7.1; default:
// unrestricted). A sensor the scope does not contain now does not exist for
// the caller: get gives nullopt, list leaves it out (in SQL, before limit
// and offset), update and remove throw not_found. Creating a sensor outside
// the scope, or an update whose result would leave it, throws
// error(errc::forbidden) (403) and changes nothing.
class sensor_service {
 public:
  explicit sensor_service(repository& repo) : repo_(repo) {}

  // `also` (if set) runs in the create's transaction with the new sensor.
  sensor create(const sensor_patch& p, const data_scope& scope = {},
                const also_in_tx<sensor>& also = {});
  std::optional<sensor> get(std::int64_t id, const data_scope& scope = {});
  std::vector<sensor> list(const sensor_query& q, const data_scope& scope = {});
  // Changes the given fields; emits "updated" only if a value really
  // changed, listing exactly those fields. Returns the sensor after.
  sensor update(std::int64_t id, const sensor_patch& p, const data_scope& scope = {});
  // Deletes the sensor and its readings; returns how many readings went.
  std::int64_t remove(std::int64_t id, const data_scope& scope = {});

 private:
  repository& repo_;
};

}  // namespace sensorhub

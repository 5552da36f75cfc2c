// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/model.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub {

// Reading (lectura) CRUD with its events. Same promises as sensor_service;
// a reading for a missing sensor is a validation_error on "sensor_id".
//
// Data scopes (SPEC §7.1; default: unrestricted): a reading is in scope iff
// its sensor is in scope now. Out of scope, a reading does not exist for the
// caller (get: nullopt, list: left out in SQL, update/remove: not_found); a
// sensor_id naming a sensor outside the scope is the same validation_error
// as a missing sensor ("sensor_id", "[i].sensor_id" in a batch), also when
// an update would move a reading there.
class reading_service {
 public:
  explicit reading_service(repository& repo) : repo_(repo) {}

  // `also` (if set) runs in the create's transaction with its result.
  reading create(const reading_patch& p, const data_scope& scope = {},
                 const also_in_tx<reading>& also = {});
  // All-or-nothing in one transaction, one "created" event each, in order.
  batch_result create_batch(const std::vector<reading_patch>& items, const data_scope& scope = {},
                            const also_in_tx<batch_result>& also = {});
  std::optional<reading> get(std::int64_t id, const data_scope& scope = {});
  std::vector<reading> list(const reading_query& q, const data_scope& scope = {});
  // Buckets of one sensor's readings (SPEC §13). since >= until: none. More
  // than max_agg_buckets buckets in [since, until) -> validation_error
  // ("bucket"). The caller checks that the sensor exists and is in scope.
  std::vector<agg_bucket> aggregate(const agg_query& q);
  reading update(std::int64_t id, const reading_patch& p, const data_scope& scope = {});
  void remove(std::int64_t id, const data_scope& scope = {});

 private:
  repository& repo_;
};

}  // namespace sensorhub

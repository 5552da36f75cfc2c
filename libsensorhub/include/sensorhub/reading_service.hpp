#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sensorhub/model.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub {

// Reading (lectura) CRUD with its events. Same promises as sensor_service;
// a reading for a missing sensor is a validation_error on "sensor_id".
class reading_service {
 public:
  explicit reading_service(repository& repo) : repo_(repo) {}

  reading create(const reading_patch& p);
  // All-or-nothing in one transaction, one "created" event each, in order.
  batch_result create_batch(const std::vector<reading_patch>& items);
  std::optional<reading> get(std::int64_t id);
  std::vector<reading> list(const reading_query& q);
  reading update(std::int64_t id, const reading_patch& p);
  void remove(std::int64_t id);

 private:
  repository& repo_;
};

}  // namespace sensorhub

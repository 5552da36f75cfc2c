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

  lectura create(const lectura_patch& p);
  // All-or-nothing in one transaction, one "created" event each, in order.
  batch_result create_batch(const std::vector<lectura_patch>& items);
  std::optional<lectura> get(std::int64_t id);
  std::vector<lectura> list(const lectura_query& q);
  lectura update(std::int64_t id, const lectura_patch& p);
  void remove(std::int64_t id);

 private:
  repository& repo_;
};

}  // namespace sensorhub

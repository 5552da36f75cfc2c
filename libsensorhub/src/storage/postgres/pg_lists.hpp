// SPDX-License-Identifier: MIT
#pragma once

#include <pqxx/transaction_base>

#include <vector>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/model.hpp"

namespace sensorhub::detail {

// repository::list_sensors / list_readings (only what `scope` contains,
// filtered in SQL, then limit and offset), as the SQLite ones order them.
std::vector<sensor> pg_list_sensors(pqxx::transaction_base& tx, const sensor_query& q,
                                    const data_scope& scope);
std::vector<reading> pg_list_readings(pqxx::transaction_base& tx, const reading_query& q,
                                      const data_scope& scope);

}  // namespace sensorhub::detail

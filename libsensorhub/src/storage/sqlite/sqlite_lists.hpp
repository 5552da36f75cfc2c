// SPDX-License-Identifier: MIT
#pragma once

#include <vector>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/model.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

// The list queries of repository::list_sensors / list_readings on one
// connection. An unrestricted scope runs the plain statements; any other
// runs the scoped ones, so limit and offset count only rows in scope.
namespace sensorhub::detail {

std::vector<sensor> sqlite_list_sensors(sqlite_connection& c, const sensor_query& q,
                                        const data_scope& scope);
std::vector<reading> sqlite_list_readings(sqlite_connection& c, const reading_query& q,
                                          const data_scope& scope);

}  // namespace sensorhub::detail

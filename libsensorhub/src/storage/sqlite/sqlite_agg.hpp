// SPDX-License-Identifier: MIT
#pragma once

#include <vector>

#include "sensorhub/model.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

// repository::aggregate_readings on one connection (SPEC §13).
namespace sensorhub::detail {

std::vector<agg_bucket> sqlite_aggregate_readings(sqlite_connection& c, const agg_query& q);

}  // namespace sensorhub::detail

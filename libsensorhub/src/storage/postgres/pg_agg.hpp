// SPDX-License-Identifier: MIT
#pragma once

#include <pqxx/transaction_base>

#include <vector>

#include "sensorhub/model.hpp"

namespace sensorhub::detail {

// repository::aggregate_readings: raw readings and hourly rollups, as
// storage/sqlite/sqlite_agg.cpp computes them.
std::vector<agg_bucket> pg_aggregate_readings(pqxx::transaction_base& tx, const agg_query& q);

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

#include "sensorhub/liveness.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

// Liveness state on one connection (SPEC §13, migration 7).
namespace sensorhub::detail {

// repository::liveness: every sensor, its newest reading's ts, its stored flag.
std::vector<liveness_row> sqlite_liveness(sqlite_connection& c);

// write_tx::set_stale on the writer connection.
bool sqlite_set_stale(sqlite_connection& c, std::int64_t sensor_id, bool stale);

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/filter.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

namespace sensorhub::detail {

// The state a subscription to `c` with filter `f` matches, as the JSON array
// repository::snapshot documents, limited to the sensors `scope` contains
// (data_scope::contains, on the rows as they are now) and their readings.
// Runs plain reads on `c`: the caller wraps them in one transaction for a
// consistent view.
std::string sqlite_read_state(sqlite_connection& conn, channel c, const event_filter& f,
                              const data_scope& scope);

}  // namespace sensorhub::detail

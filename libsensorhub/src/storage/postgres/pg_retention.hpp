// SPDX-License-Identifier: MIT
#pragma once

#include <pqxx/connection>

#include <cstdint>

#include "sensorhub/repository.hpp"

namespace sensorhub::detail {

// repository::prune_events and apply_readings_retention, each in bounded
// transactions of their own on `c` (so writers of every node get in
// between). Safe to run on several nodes at once: a pass that finds nothing
// left to do does nothing.
std::uint64_t pg_prune_events(pqxx::connection& c, const retention_policy& policy);
readings_retention_result pg_apply_readings_retention(pqxx::connection& c,
                                                      const readings_retention_policy& policy,
                                                      timestamp at);

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#pragma once

#include <pqxx/transaction_base>

#include <cstdint>
#include <vector>

#include "sensorhub/liveness.hpp"

namespace sensorhub::detail {

// repository::liveness.
std::vector<liveness_row> pg_liveness(pqxx::transaction_base& tx);
// write_tx::set_stale: atomic across nodes (one statement), so a transition
// is reported once however many nodes check.
bool pg_set_stale(pqxx::transaction_base& tx, std::int64_t sensor_id, bool stale);

}  // namespace sensorhub::detail

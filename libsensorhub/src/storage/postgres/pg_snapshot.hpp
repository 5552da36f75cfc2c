// SPDX-License-Identifier: MIT
#pragma once

#include <pqxx/transaction_base>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/filter.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub::detail {

// repository::snapshot. `tx` must be a REPEATABLE READ transaction: the
// state and event_counter.last_seq are read in it, so they agree.
state_snapshot pg_snapshot(pqxx::transaction_base& tx, channel c, const event_filter& f,
                           const data_scope& scope);

}  // namespace sensorhub::detail

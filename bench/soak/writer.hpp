// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>

#include "soak_state.hpp"

namespace sensorhub::soak {

// Runs one writer until state.writers_stop: REST creates, updates and deletes
// of its own sensors and readings (single and batch) over a keep-alive
// connection, recording each acknowledged (2xx) write in `ledger`. A request
// whose response was lost (daemon killed) is "unknown": its tokens go to the
// maybe sets, deletes are retried until 204 or 404. `tokens` hands out
// unique values (sensor modelo "m<token>", reading valor = token).
void run_writer(int index, unsigned seed, shared_state& state, std::atomic<std::int64_t>& tokens,
                int pause_ms, writer_ledger& ledger);

}  // namespace sensorhub::soak

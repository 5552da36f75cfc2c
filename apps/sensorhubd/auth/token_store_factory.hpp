// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>

#include "sensorhub/auth/token_store.hpp"

namespace sensorhubd {

// The token store of the daemon's --db: the PostgreSQL database for a
// postgresql:// URI (SPEC §12: every node sees the same tokens), the SQLite
// file otherwise. Throws sensorhub::error(errc::storage) when it cannot open.
std::unique_ptr<sensorhub::token_store> open_token_store(const std::string& db);

}  // namespace sensorhubd

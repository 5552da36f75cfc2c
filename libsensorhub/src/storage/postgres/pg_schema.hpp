// SPDX-License-Identifier: MIT
#pragma once

#include <pqxx/connection>

namespace sensorhub::detail {

// The schema version this build writes (table sensorhub_schema).
int pg_latest_schema_version() noexcept;

// Brings the database up to date, in one transaction under an advisory lock
// so that nodes starting together migrate once. Throws
// error(errc::storage) when the database is newer than this build.
void pg_migrate(pqxx::connection& c);

}  // namespace sensorhub::detail

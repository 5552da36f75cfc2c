// SPDX-License-Identifier: MIT
#pragma once

#include <SQLiteCpp/Database.h>

namespace sensorhub::detail {

// The schema version this build writes (PRAGMA user_version after migrating).
int sqlite_latest_schema_version() noexcept;

// Reads PRAGMA user_version.
int sqlite_read_schema_version(SQLite::Database& db);

// Throws error(errc::storage) when the file's schema is newer than this build.
void sqlite_check_schema_version(SQLite::Database& db);

// Applies the missing migrations in order, in one IMMEDIATE transaction; each
// one bumps user_version. Idempotent on an up-to-date database. Throws
// error(errc::storage) on a schema newer than this build.
void sqlite_migrate(SQLite::Database& db);

}  // namespace sensorhub::detail

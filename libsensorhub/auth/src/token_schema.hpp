// SPDX-License-Identifier: MIT
#pragma once

#include <SQLiteCpp/Database.h>

namespace sensorhub::detail {

// The `tokens` table's own migrations, independent of the core's PRAGMA
// user_version: its version is the row 'auth' of the table schema_versions
// (component TEXT PRIMARY KEY, version INTEGER), which other optional
// components may share. No row (or no table) is version 0.

// The tokens schema version this build writes.
int token_schema_latest() noexcept;

// The version recorded in the file; 0 when none.
int token_schema_read(SQLite::Database& db);

// Applies the missing migrations in one IMMEDIATE transaction and records
// the version; does not write when the file is up to date. Throws
// error(errc::storage) when the file's version is newer than this build.
void token_schema_migrate(SQLite::Database& db);

}  // namespace sensorhub::detail

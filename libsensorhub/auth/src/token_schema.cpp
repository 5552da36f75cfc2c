// SPDX-License-Identifier: MIT
#include "token_schema.hpp"

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <string>

#include "sensorhub/error.hpp"

namespace sensorhub::detail {

namespace {

constexpr const char* component = "auth";

// Migration N (1-based) takes the tokens schema from version N-1 to N.
// Never edit a released migration: append a new one.
constexpr const char* migrations[] = {
    // 1: API tokens (SPEC §7), stored as SHA-256 hashes only. Releases up to
    // 0.1 created this very table in the core's migration 3, without this
    // version marker: IF NOT EXISTS adopts that table and its tokens.
    R"sql(
CREATE TABLE IF NOT EXISTS tokens (
  name TEXT PRIMARY KEY,
  hash BLOB NOT NULL UNIQUE,
  scopes TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_used INTEGER,
  revoked_at INTEGER
);
)sql",
    // 2: per-token data scopes (SPEC §7.1): a JSON object
    // {"sensor_id":[..],"tipo":[..],"ubicacion":[..]}; NULL (every token
    // created before) means unrestricted.
    R"sql(
ALTER TABLE tokens ADD COLUMN data_scope TEXT;
)sql",
};

constexpr int latest = static_cast<int>(sizeof(migrations) / sizeof(migrations[0]));

void check_not_newer(int current) {
  if (current > latest) {
    throw error(errc::storage, "tokens schema " + std::to_string(current) +
                                   " is newer than this build (" + std::to_string(latest) + ")");
  }
}

}  // namespace

int token_schema_latest() noexcept { return latest; }

int token_schema_read(SQLite::Database& db) {
  if (!db.tableExists("schema_versions")) return 0;
  SQLite::Statement st(db, "SELECT version FROM schema_versions WHERE component = ?");
  st.bind(1, component);
  return st.executeStep() ? st.getColumn(0).getInt() : 0;
}

void token_schema_migrate(SQLite::Database& db) {
  int current = token_schema_read(db);
  check_not_newer(current);
  if (current == latest) return;  // the common case: no write lock taken
  SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
  // Read again under the write lock: another process may have migrated.
  current = token_schema_read(db);
  check_not_newer(current);
  if (current == latest) return;  // the transaction rolls back harmlessly
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_versions ("
      "component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  for (int v = current + 1; v <= latest; ++v) db.exec(migrations[v - 1]);
  SQLite::Statement st(db,
                       "INSERT OR REPLACE INTO schema_versions(component, version) VALUES (?, ?)");
  st.bind(1, component);
  st.bind(2, latest);
  st.exec();
  tx.commit();
}

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "sensorhub/auth/token_store.hpp"

namespace sensorhub {

// The token_store on a PostgreSQL database (SPEC §12): the `tokens` table,
// which shares the database with postgres_repository and with every node
// of the service, so a token created, revoked or used on one node is seen
// by all. Same behaviour as sqlite_token_store: SHA-256 hashes only, names
// unique for good, data scopes stored as the same JSON text (NULL when
// unrestricted), last_used never moves backwards.
//
// Opening creates the table and the store's own version marker (table
// schema_versions, row 'auth', as on SQLite) inside one transaction under
// an advisory lock, so several nodes may open it at once.
// Thread-safe: calls are serialized on one connection. A call that finds
// the connection broken reconnects once and retries; otherwise backend
// failures are error(errc::storage). Only available in builds with
// SENSORHUB_HAS_POSTGRES (sensorhub/version.hpp).
class postgres_token_store final : public token_store {
 public:
  // Connects to `uri` (a libpq URI or key=value string) and creates or
  // checks the tokens schema. Throws error(errc::storage) when the database
  // cannot be reached or its tokens schema is newer than this build.
  explicit postgres_token_store(const std::string& uri);
  ~postgres_token_store() override;

  std::string create(const token_params& params) override;
  std::vector<token_info> list() override;
  bool revoke(const std::string& name) override;
  std::vector<active_token> active() override;
  void mark_used(const std::string& name, timestamp when) override;

  // The tokens schema version this build writes (its own numbering,
  // independent of SQLite's).
  static int schema_version() noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sensorhub

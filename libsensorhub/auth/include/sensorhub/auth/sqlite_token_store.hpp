// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sensorhub/auth/token_store.hpp"

namespace sensorhub {

// The token_store on a SQLite file: the `tokens` table, which may share the
// file with a sqlite_repository (and with a running hub in another process:
// WAL, busy timeout, IMMEDIATE writes). The store creates and migrates its
// own table and keeps its own schema version (table schema_versions, row
// 'auth'), independent of the core's PRAGMA user_version; a file whose
// tokens table an older release created is adopted as it is.
// Thread-safe: calls are serialized on one connection (open one store per
// thread for parallel calls).
class sqlite_token_store final : public token_store {
 public:
  // Opens (creating and migrating if needed) the database file. Throws
  // error(errc::storage) on failure or when the file's tokens schema is
  // newer than this build.
  explicit sqlite_token_store(const std::string& db_path,
                              std::chrono::milliseconds busy_timeout = std::chrono::seconds(5));
  ~sqlite_token_store() override;

  std::string create(const token_params& params) override;
  std::vector<token_info> list() override;
  bool revoke(const std::string& name) override;
  std::vector<active_token> active() override;
  void mark_used(const std::string& name, timestamp when) override;

  // The tokens schema version this build writes.
  static int schema_version() noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sensorhub

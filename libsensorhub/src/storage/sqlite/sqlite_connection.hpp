// SPDX-License-Identifier: MIT
#pragma once

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

namespace sensorhub::detail {

class sqlite_connection;

// A cached prepared statement borrowed for one use. It comes reset with its
// bindings cleared and is reset again (without throwing) when the lease ends,
// so no statement keeps a read snapshot open between uses.
class statement_lease {
 public:
  explicit statement_lease(SQLite::Statement& st) noexcept : st_(&st) {}
  ~statement_lease() { release(); }
  statement_lease(statement_lease&& other) noexcept : st_(other.st_) { other.st_ = nullptr; }
  statement_lease& operator=(statement_lease&&) = delete;
  statement_lease(const statement_lease&) = delete;
  statement_lease& operator=(const statement_lease&) = delete;

  SQLite::Statement& operator*() const noexcept { return *st_; }
  SQLite::Statement* operator->() const noexcept { return st_; }

 private:
  void release() noexcept {
    if (st_ != nullptr) {
      st_->tryReset();
    }
  }
  SQLite::Statement* st_;
};

// One SQLite connection with its cache of prepared statements (each SQL text
// is compiled once per connection and reused). Not thread-safe: the owner
// makes sure only one thread uses a connection at a time.
class sqlite_connection {
 public:
  // flags: SQLite::OPEN_* flags. foreign_keys is switched on.
  sqlite_connection(const std::string& path, int flags, std::chrono::milliseconds busy_timeout);
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;

  SQLite::Database& db() noexcept { return db_; }

  // The cached statement for `sql`, ready to bind. `sql` must have static
  // storage duration (a string literal): the cache keys on its text.
  statement_lease prepare(const char* sql);

 private:
  SQLite::Database db_;
  std::unordered_map<std::string_view, std::unique_ptr<SQLite::Statement>> cache_;
};

}  // namespace sensorhub::detail

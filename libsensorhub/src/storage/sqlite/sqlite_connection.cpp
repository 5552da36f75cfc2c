// SPDX-License-Identifier: MIT
#include "storage/sqlite/sqlite_connection.hpp"

#include <limits>

namespace sensorhub::detail {

namespace {

int clamp_timeout(std::chrono::milliseconds ms) noexcept {
  if (ms.count() < 0) {
    return 0;
  }
  if (ms.count() > std::numeric_limits<int>::max()) {
    return std::numeric_limits<int>::max();
  }
  return static_cast<int>(ms.count());
}

}  // namespace

sqlite_connection::sqlite_connection(const std::string& path, int flags,
                                     std::chrono::milliseconds busy_timeout)
    : db_(path, flags, clamp_timeout(busy_timeout)) {
  // Outside any transaction, where the pragma takes effect.
  db_.exec("PRAGMA foreign_keys=ON");
}

statement_lease sqlite_connection::prepare(const char* sql) {
  const std::string_view key(sql);
  auto it = cache_.find(key);
  if (it == cache_.end()) {
    it = cache_.emplace(key, std::make_unique<SQLite::Statement>(db_, sql)).first;
  }
  SQLite::Statement& st = *it->second;
  st.tryReset();  // a failed previous step leaves its code here; it does not concern this use
  st.clearBindings();
  return statement_lease(st);
}

}  // namespace sensorhub::detail

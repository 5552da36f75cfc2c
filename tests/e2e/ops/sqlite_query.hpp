// SPDX-License-Identifier: MIT
#pragma once

// Reading a database file directly in the ops tests (read-only).

#include <sqlite3.h>

#include <string>

namespace sensorhub::e2e {

// The rows of `sql` on the file at `path`: the first column of each row,
// joined by '\n'; "error: ..." if it cannot be run.
inline std::string sqlite_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string msg = db != nullptr ? sqlite3_errmsg(db) : "open failed";
    sqlite3_close(db);
    return "error: " + msg;
  }
  sqlite3_busy_timeout(db, 10000);
  std::string result;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
    int rc = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      if (!result.empty()) result += "\n";
      result += t != nullptr ? reinterpret_cast<const char*>(t) : "NULL";
    }
    if (rc != SQLITE_DONE) result = std::string("error: ") + sqlite3_errmsg(db);
  } else {
    result = std::string("error: ") + sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return result;
}

}  // namespace sensorhub::e2e

// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <string>

namespace sensorhubd {

// One `sensorhubd backup --db FILE --to FILE [--force]` invocation, as
// parsed by parse_command_line. Plain data.
struct backup_request {
  std::string db = "sensorhub.db";  // the live database (also while a daemon runs on it)
  std::string to;                   // the copy
  bool force = false;               // replace an existing `to`
  int pages_per_step = 256;         // pages copied per sqlite3_backup_step (1 KiB..64 KiB each)
  std::chrono::milliseconds busy_sleep{20};     // pause when the source is busy or locked
  std::chrono::milliseconds busy_limit{60000};  // give up after this long busy in a row
};

// The text under `sensorhubd backup --help`: what it does, the exit codes.
const char* backup_help_footer() noexcept;

// Copies r.db to r.to with SQLite's online backup API: a consistent
// snapshot (one read transaction across all steps, so in WAL mode the
// daemon's writes go on while it runs), written to a temporary file beside
// r.to, synced, then renamed over it. Messages go to stderr. Returns the exit
// code: 0 done, 1 failed (no source, not a database, target exists without
// --force, I/O error, busy too long), 2 bad usage.
int run_backup_command(const backup_request& r);

}  // namespace sensorhubd

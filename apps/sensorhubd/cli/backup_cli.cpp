// SPDX-License-Identifier: MIT
#include "cli/backup_cli.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>

#include "sensorhub/postgres_repository.hpp"

namespace sensorhubd {

namespace {

namespace fs = std::filesystem;

const char* const backup_usage =
    "\n"
    "Copies the database FILE to --to while a daemon may be serving it (SQLite's online\n"
    "backup API: one consistent snapshot, the daemon's writes go on meanwhile). The copy\n"
    "is written to a temporary file beside --to and renamed when complete, so --to is\n"
    "never half-written. It is a single self-contained file (no -wal/-shm needed).\n"
    "Exit codes: 0 copied; 1 failed (no database at --db, not a SQLite database, --to\n"
    "exists without --force, I/O error, source busy for 60 s); 2 bad usage.\n"
    "Restore: stop the daemon, replace its --db file with the copy, delete the old\n"
    "FILE-wal and FILE-shm, start the daemon (docs/operations.md).";

// A failure with its message for stderr.
struct backup_failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct db_handle {
  sqlite3* db = nullptr;
  ~db_handle() { sqlite3_close_v2(db); }
};

std::string sqlite_message(sqlite3* db, int rc) {
  return db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
}

void exec(sqlite3* db, const char* sql, const std::string& what) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    const std::string msg = err != nullptr ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw backup_failure(what + ": " + msg);
  }
}

void fsync_path(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) throw backup_failure("cannot open " + path + ": " + std::strerror(errno));
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) throw backup_failure("cannot sync " + path + ": " + std::strerror(err));
}

// The source, opened read-write (never created) so that a WAL database can
// be read whatever state its -shm is in. Nothing of its content is changed
// (without a daemon, closing it checkpoints the WAL as any last connection
// does).
void open_source(const backup_request& r, db_handle& src) {
  if (sensorhub::is_postgres_uri(r.db)) {
    throw backup_failure(
        "--db is a PostgreSQL database: back it up with PostgreSQL's own tools (pg_dump, or "
        "pg_basebackup with WAL archiving; docs/scaling.md)");
  }
  struct stat st {};
  if (::stat(r.db.c_str(), &st) != 0) {
    throw backup_failure("no database at " + r.db + " (" + std::strerror(errno) + ")");
  }
  if (!S_ISREG(st.st_mode)) throw backup_failure(r.db + " is not a regular file");
  const int rc = sqlite3_open_v2(r.db.c_str(), &src.db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc != SQLITE_OK)
    throw backup_failure("cannot open " + r.db + ": " + sqlite_message(src.db, rc));
  sqlite3_busy_timeout(src.db, 5000);
  // Fails on a file that is not a SQLite database. The read transaction
  // stays open: every step copies from this one snapshot.
  exec(src.db, "BEGIN; SELECT count(*) FROM sqlite_master;", "cannot read " + r.db);
}

// Copies src into the new file `tmp`; returns the number of pages.
int copy_pages(const backup_request& r, sqlite3* src, const std::string& tmp) {
  db_handle dst;
  int rc =
      sqlite3_open_v2(tmp.c_str(), &dst.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK)
    throw backup_failure("cannot create " + tmp + ": " + sqlite_message(dst.db, rc));
  sqlite3_backup* b = sqlite3_backup_init(dst.db, "main", src, "main");
  if (b == nullptr) throw backup_failure("cannot start the backup: " + sqlite_message(dst.db, 0));
  auto busy_since = std::chrono::steady_clock::time_point{};
  for (;;) {
    rc = sqlite3_backup_step(b, r.pages_per_step);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_OK) {
      busy_since = {};
      continue;
    }
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      const auto now = std::chrono::steady_clock::now();
      if (busy_since == std::chrono::steady_clock::time_point{}) busy_since = now;
      if (now - busy_since > r.busy_limit) {
        sqlite3_backup_finish(b);
        throw backup_failure("the source stayed busy or locked; try again");
      }
      std::this_thread::sleep_for(r.busy_sleep);
      continue;
    }
    break;  // an error: finish reports it
  }
  const int pages = sqlite3_backup_pagecount(b);
  rc = sqlite3_backup_finish(b);
  if (rc != SQLITE_OK) throw backup_failure("backup failed: " + sqlite_message(dst.db, rc));
  // One self-contained file: the copy carries the source's WAL flag, so
  // switch it to a rollback journal (the daemon turns WAL on at start).
  exec(dst.db, "PRAGMA journal_mode=DELETE;", "cannot finish " + tmp);
  return pages;
}

}  // namespace

const char* backup_help_footer() noexcept { return backup_usage; }

int run_backup_command(const backup_request& r) {
  if (r.db.empty() || r.to.empty()) {
    std::fprintf(stderr, "sensorhubd backup: --db and --to are required\n");
    return 2;
  }
  std::string tmp;
  try {
    std::error_code ec;
    if (fs::exists(r.to, ec)) {
      if (fs::equivalent(r.db, r.to, ec)) throw backup_failure("--to is the database itself");
      if (!r.force) throw backup_failure(r.to + " exists (use --force to replace it)");
      if (fs::is_directory(r.to, ec)) throw backup_failure(r.to + " is a directory");
    }
    const fs::path target(r.to);
    const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
    if (!fs::is_directory(dir, ec)) throw backup_failure("no directory " + dir.string());

    db_handle src;
    open_source(r, src);
    tmp = r.to + ".tmp-" + std::to_string(::getpid());
    fs::remove(tmp, ec);
    const int pages = copy_pages(r, src.db, tmp);
    exec(src.db, "COMMIT;", "cannot end the read transaction on " + r.db);
    fsync_path(tmp, O_RDONLY);
    fs::rename(tmp, r.to);  // throws filesystem_error with the reason
    tmp.clear();
    fsync_path(dir.string(), O_RDONLY | O_DIRECTORY);
    std::fprintf(stderr, "sensorhubd backup: copied %s to %s (%d pages, %ju bytes)\n", r.db.c_str(),
                 r.to.c_str(), pages, static_cast<std::uintmax_t>(fs::file_size(r.to)));
    return 0;
  } catch (const std::exception& e) {
    if (!tmp.empty()) {
      std::error_code ec;
      fs::remove(tmp, ec);
      fs::remove(tmp + "-journal", ec);
    }
    std::fprintf(stderr, "sensorhubd backup: %s\n", e.what());
    return 1;
  }
}

}  // namespace sensorhubd

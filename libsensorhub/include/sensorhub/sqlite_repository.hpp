// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "sensorhub/logger.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub {

enum class sync_mode { normal, full };

struct sqlite_options {
  std::string path = "sensorhub.db";  // ":memory:" for a private in-memory database
  std::chrono::milliseconds busy_timeout{5000};
  sync_mode synchronous = sync_mode::normal;
  int read_connections = 4;  // pooled readers (ignored for ":memory:")
  // Where a failure that cannot reach a caller goes (a commit hook that
  // threw: the commit stands). A hub passes its own hub_options::logger.
  log_sink log = stderr_log_sink();
};

// How writes were grouped into transactions since the repository opened.
struct sqlite_write_stats {
  std::uint64_t transactions = 0;  // write transactions run (one per group)
  std::uint64_t writes = 0;        // write() calls run in them
  std::size_t queued = 0;          // writes waiting for a leader right now
};

// The SQLite repository: WAL, one writer connection, IMMEDIATE transactions,
// reused prepared statements, group commit (concurrent write() calls that
// arrive together run in one transaction, each under its own savepoint, so
// one failing write fails only itself; each still returns after its own
// commit, and the commit hook sees the group's events once), schema versioned with PRAGMA
// user_version and migrated on open, foreign keys with cascade delete. SQLiteCpp stays in the .cpp
// (pimpl). Thread-safe as the repository interface promises. Opening throws
// sensorhub::error(errc::storage) on failure.
class sqlite_repository final : public repository {
 public:
  explicit sqlite_repository(const sqlite_options& options);
  ~sqlite_repository() override;
  sqlite_repository(const sqlite_repository&) = delete;
  sqlite_repository& operator=(const sqlite_repository&) = delete;

  // Current schema version this build writes.
  static int schema_version() noexcept;

  std::vector<event> write(const std::function<void(write_tx&)>& work) override;
  void set_commit_hook(std::function<void(const std::vector<event>&)> hook) override;
  // Counters of the group commit; `queued` is exact while the leader waits.
  sqlite_write_stats write_stats() const;

  using repository::list_readings;
  using repository::list_sensors;
  using repository::snapshot;

  std::optional<sensor> find_sensor(std::int64_t id) override;
  std::vector<sensor> list_sensors(const sensor_query& q, const data_scope& scope) override;
  std::optional<reading> find_reading(std::int64_t id) override;
  std::vector<agg_bucket> aggregate_readings(const agg_query& q) override;
  std::optional<idempotent_response> find_idempotent(const std::string& owner,
                                                     const std::string& key) override;
  std::vector<reading> list_readings(const reading_query& q, const data_scope& scope) override;

  std::vector<liveness_row> liveness() override;
  std::vector<event> events(const event_query& q) override;
  std::uint64_t last_seq() override;
  std::uint64_t oldest_seq() override;
  std::uint64_t prune_events(const retention_policy& policy) override;
  readings_retention_result apply_readings_retention(const readings_retention_policy& policy,
                                                     timestamp at) override;
  state_snapshot snapshot(channel c, const event_filter& f, const data_scope& scope) override;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sensorhub

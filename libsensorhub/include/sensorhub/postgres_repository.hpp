// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "sensorhub/logger.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub {

struct postgres_options {
  // A libpq connection URI or key=value string, e.g.
  // "postgresql://sensorhub@127.0.0.1:5432/sensorhub".
  std::string uri;
  int read_connections = 4;  // pooled readers
  // The outbox tail polls on every NOTIFY and at least this often (a lost
  // notification or a database restart costs at most this much latency).
  std::chrono::milliseconds poll_interval{200};
  // Reconnect attempts (writer, readers, tail) back off up to this.
  std::chrono::milliseconds max_backoff{2000};
  // A write waits at most this long for the tail to publish its own events
  // before it returns anyway (the events are committed; they go out when
  // the tail reaches them).
  std::chrono::milliseconds publish_wait{5000};
  log_sink log = stderr_log_sink();
};

// True when `db` names a PostgreSQL database ("postgresql://..." or
// "postgres://..."), as opposed to a SQLite file path.
// (Inline: builds without SENSORHUB_WITH_POSTGRES tell them apart too.)
inline bool is_postgres_uri(const std::string& db) noexcept {
  return db.rfind("postgresql://", 0) == 0 || db.rfind("postgres://", 0) == 0;
}

// The PostgreSQL repository (SPEC §12): several processes ("nodes") on one
// database are one service.
//
// - Writes: one writer connection per node with group commit (concurrent
//   write() calls run in one transaction, each under its own savepoint).
//   Events are buffered during the transaction; its last statements take
//   the next seqs from a one-row counter (UPDATE ... RETURNING, whose row
//   lock is held to the commit), insert the serialized events and NOTIFY.
//   So `seq` is dense and in commit order across every node, and a rollback
//   leaves no gap. The event returned by write_tx::append carries seq 0 and
//   no JSON until the commit (the seqs are assigned last); write() returns
//   the final events.
// - Publishing: a tail thread reads the outbox (`seq > last published`, in
//   order) on every NOTIFY, every poll_interval and after reconnecting, and
//   hands each batch to the commit hook: events of every node, this one's
//   included, in seq order, each once. write() returns once the tail has
//   published its events (or after publish_wait).
// - last_seq() is the newest seq committed anywhere that this node knows of
//   (cheap: no I/O).
// - Connections that break are re-opened with backoff; a write on a broken
//   connection fails with errc::storage and is not acknowledged.
//
// libpqxx stays in the .cpp files (pimpl). Opening connects, migrates the
// schema (under an advisory lock, so nodes may start together) and throws
// sensorhub::error(errc::storage) when the database cannot be reached.
class postgres_repository final : public repository {
 public:
  explicit postgres_repository(const postgres_options& options);
  ~postgres_repository() override;
  postgres_repository(const postgres_repository&) = delete;
  postgres_repository& operator=(const postgres_repository&) = delete;

  static int schema_version() noexcept;

  std::vector<event> write(const std::function<void(write_tx&)>& work) override;
  void set_commit_hook(std::function<void(const std::vector<event>&)> hook) override;

  using repository::list_readings;
  using repository::list_sensors;
  using repository::snapshot;

  std::optional<sensor> find_sensor(std::int64_t id) override;
  std::vector<sensor> list_sensors(const sensor_query& q, const data_scope& scope) override;
  std::optional<reading> find_reading(std::int64_t id) override;
  std::vector<reading> list_readings(const reading_query& q, const data_scope& scope) override;
  std::optional<idempotent_response> find_idempotent(const std::string& owner,
                                                     const std::string& key) override;
  std::vector<agg_bucket> aggregate_readings(const agg_query& q) override;
  std::vector<liveness_row> liveness() override;
  std::vector<event> events(const event_query& q) override;
  std::uint64_t last_seq() override;
  std::uint64_t oldest_seq() override;
  std::uint64_t prune_events(const retention_policy& policy) override;
  readings_retention_result apply_readings_retention(const readings_retention_policy& policy,
                                                     timestamp at) override;
  state_snapshot snapshot(channel c, const event_filter& f, const data_scope& scope) override;
  bool ready() override;
  bool shared() const noexcept override { return true; }

  // The seq the tail has handed to the commit hook (tests, metrics).
  std::uint64_t published_seq() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "sensorhub/sqlite_repository.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Transaction.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <exception>
#include <limits>
#include <mutex>
#include <string>
#include <utility>

#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"
#include "storage/sqlite/sqlite_agg.hpp"
#include "storage/sqlite/sqlite_liveness.hpp"
#include "storage/sqlite/sqlite_connection.hpp"
#include "storage/sqlite/sqlite_group_commit.hpp"
#include "storage/sqlite/sqlite_lists.hpp"
#include "storage/sqlite/sqlite_retention.hpp"
#include "storage/sqlite/sqlite_rows.hpp"
#include "storage/sqlite/sqlite_schema.hpp"
#include "storage/sqlite/sqlite_snapshot.hpp"
#include "storage/write_queue.hpp"
#include "storage/sqlite/sqlite_write_tx.hpp"

namespace sensorhub {

namespace {

using detail::find_reading_on;
using detail::find_sensor_on;
using detail::queued_write;
using detail::sqlite_connection;

[[noreturn]] void throw_storage(const std::exception& e) { throw error(errc::storage, e.what()); }

std::uint64_t read_u64(sqlite_connection& c, const char* sql) {
  auto st = c.prepare(sql);
  if (!st->executeStep()) {
    return 0;
  }
  const std::int64_t v = st->getColumn(0).getInt64();
  return v < 0 ? 0 : static_cast<std::uint64_t>(v);
}

}  // namespace

struct sqlite_repository::impl {
  static constexpr std::size_t max_group = 256;  // writes per transaction, at most
  sqlite_options options;
  bool memory = false;

  // Writer: one connection, one transaction (one group) at a time, held by
  // the leading writer. Recursive so that a read from the commit hook
  // (in-memory mode) works on the leading thread.
  std::recursive_mutex write_mutex;
  std::unique_ptr<sqlite_connection> writer;
  std::atomic<std::uint64_t> last_seq{0};  // committed; mirrors meta.last_seq
  // Concurrent writes queue here and commit in groups (group commit).
  detail::write_queue queue{max_group};
  std::atomic<std::uint64_t> transactions{0};  // groups run
  std::atomic<std::uint64_t> writes{0};        // writes run in them
  std::function<void(const std::vector<event>&)> commit_hook;

  // Readers (file databases only).
  std::mutex pool_mutex;
  std::condition_variable pool_cv;
  std::vector<std::unique_ptr<sqlite_connection>> readers;
  std::vector<sqlite_connection*> idle_readers;

  explicit impl(const sqlite_options& o)
      : options(o), memory(o.path.empty() || o.path == ":memory:") {
    writer = std::make_unique<sqlite_connection>(
        options.path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, options.busy_timeout);
    SQLite::Database& db = writer->db();
    detail::sqlite_check_schema_version(db);  // before touching a file from a newer build
    db.exec("PRAGMA journal_mode=WAL");
    db.exec(options.synchronous == sync_mode::full ? "PRAGMA synchronous=FULL"
                                                   : "PRAGMA synchronous=NORMAL");
    detail::sqlite_migrate(db);
    last_seq = std::max(read_u64(*writer, detail::sql_read_last_seq),
                        read_u64(*writer, detail::sql_max_seq));
    if (!memory) {
      const int n = std::max(1, options.read_connections);
      for (int i = 0; i < n; ++i) {
        readers.push_back(std::make_unique<sqlite_connection>(options.path, SQLite::OPEN_READONLY,
                                                              options.busy_timeout));
        idle_readers.push_back(readers.back().get());
      }
    }
  }

  // Runs f(connection) on a reader (or on the writer for ":memory:").
  template <class F>
  auto read(F&& f) {
    try {
      if (memory) {
        std::lock_guard<std::recursive_mutex> lock(write_mutex);
        return f(*writer);
      }
      sqlite_connection* c = nullptr;
      {
        std::unique_lock<std::mutex> lock(pool_mutex);
        pool_cv.wait(lock, [&] { return !idle_readers.empty(); });
        c = idle_readers.back();
        idle_readers.pop_back();
      }
      struct giveback {
        impl& self;
        sqlite_connection* conn;
        ~giveback() {
          {
            std::lock_guard<std::mutex> lock(self.pool_mutex);
            self.idle_readers.push_back(conn);
          }
          self.pool_cv.notify_one();
        }
      } back{*this, c};
      return f(*c);
    } catch (const SQLite::Exception& e) {
      throw_storage(e);
    }
  }

  std::vector<event> write(const std::function<void(write_tx&)>& work) {
    if (queue.leading_here()) {
      throw error(errc::storage, "repository::write called from inside a write or the commit hook");
    }
    queued_write w(work);
    queue.submit(w, [this](const std::vector<queued_write*>& group) { run_group(group); });
    if (w.failure) {
      std::rethrow_exception(w.failure);
    }
    return std::move(w.events);
  }

  // One transaction for the whole group, then the commit hook once.
  void run_group(const std::vector<queued_write*>& group) {
    std::lock_guard<std::recursive_mutex> lock(write_mutex);
    transactions.fetch_add(1, std::memory_order_relaxed);
    writes.fetch_add(group.size(), std::memory_order_relaxed);
    detail::run_write_group(
        detail::write_group_context{*writer, last_seq, commit_hook, options.log}, group);
  }

  // One bounded batch of pruning in its own transaction; returns rows deleted.
  std::uint64_t prune_batch(std::uint64_t cutoff, std::size_t batch) {
    std::lock_guard<std::recursive_mutex> lock(write_mutex);
    try {
      SQLite::Transaction tx(writer->db(), SQLite::TransactionBehavior::IMMEDIATE);
      auto st = writer->prepare(detail::sql_prune_batch);
      st->bind(1, static_cast<std::int64_t>(cutoff));
      st->bind(2, detail::to_sql_count(batch));
      const int n = st->exec();
      tx.commit();
      return n < 0 ? 0 : static_cast<std::uint64_t>(n);
    } catch (const SQLite::Exception& e) {
      throw_storage(e);
    }
  }
  // Runs one retention step on the writer under the write lock.
  template <class F>
  auto retention_step(F&& f) {
    std::lock_guard<std::recursive_mutex> lock(write_mutex);
    try {
      return f(*writer);
    } catch (const SQLite::Exception& e) {
      throw_storage(e);
    }
  }
};

sqlite_repository::sqlite_repository(const sqlite_options& options) {
  try {
    impl_ = std::make_unique<impl>(options);
  } catch (const SQLite::Exception& e) {
    throw error(errc::storage, "cannot open database '" + options.path + "': " + e.what());
  }
}

sqlite_repository::~sqlite_repository() = default;

int sqlite_repository::schema_version() noexcept { return detail::sqlite_latest_schema_version(); }

std::vector<event> sqlite_repository::write(const std::function<void(write_tx&)>& work) {
  return impl_->write(work);
}

sqlite_write_stats sqlite_repository::write_stats() const {
  sqlite_write_stats out;
  out.transactions = impl_->transactions.load();
  out.writes = impl_->writes.load();
  out.queued = impl_->queue.queued();
  return out;
}

void sqlite_repository::set_commit_hook(std::function<void(const std::vector<event>&)> hook) {
  std::lock_guard<std::recursive_mutex> lock(impl_->write_mutex);
  impl_->commit_hook = std::move(hook);
}

std::optional<sensor> sqlite_repository::find_sensor(std::int64_t id) {
  return impl_->read([&](sqlite_connection& c) { return find_sensor_on(c, id); });
}

std::vector<sensor> sqlite_repository::list_sensors(const sensor_query& q,
                                                    const data_scope& scope) {
  return impl_->read(
      [&](sqlite_connection& c) { return detail::sqlite_list_sensors(c, q, scope); });
}

std::optional<reading> sqlite_repository::find_reading(std::int64_t id) {
  return impl_->read([&](sqlite_connection& c) { return find_reading_on(c, id); });
}

std::vector<reading> sqlite_repository::list_readings(const reading_query& q,
                                                      const data_scope& scope) {
  return impl_->read(
      [&](sqlite_connection& c) { return detail::sqlite_list_readings(c, q, scope); });
}

std::optional<idempotent_response> sqlite_repository::find_idempotent(const std::string& owner,
                                                                      const std::string& key) {
  return impl_->read([&](sqlite_connection& c) -> std::optional<idempotent_response> {
    auto st = c.prepare(
        "SELECT request_hash, status, body, created_at FROM idempotency_keys "
        "WHERE owner = ? AND key = ?");
    st->bind(1, owner);
    st->bind(2, key);
    if (!st->executeStep()) return std::nullopt;
    idempotent_response r;
    r.owner = owner;
    r.key = key;
    r.request_hash = st->getColumn(0).getString();
    r.status = st->getColumn(1).getInt();
    r.body = st->getColumn(2).getString();
    r.created_at = from_micros(st->getColumn(3).getInt64());
    return r;
  });
}

std::vector<liveness_row> sqlite_repository::liveness() {
  return impl_->read([](sqlite_connection& c) { return detail::sqlite_liveness(c); });
}

std::vector<agg_bucket> sqlite_repository::aggregate_readings(const agg_query& q) {
  return impl_->read([&](sqlite_connection& c) { return detail::sqlite_aggregate_readings(c, q); });
}

std::vector<event> sqlite_repository::events(const event_query& q) {
  // A channel listed more than once, or all three, is the same as fewer.
  std::vector<channel> chans;
  for (channel ch : q.channels) {
    if (std::find(chans.begin(), chans.end(), ch) == chans.end()) {
      chans.push_back(ch);
    }
  }
  const bool all = chans.empty() || chans.size() >= std::size(all_channels);
  return impl_->read([&](sqlite_connection& c) {
    auto st = c.prepare(all ? detail::sql_events_all : detail::sql_events_channels);
    const auto since = static_cast<std::int64_t>(
        std::min<std::uint64_t>(q.since, std::numeric_limits<std::int64_t>::max()));
    int i = 1;
    st->bind(i++, since);
    if (!all) {
      for (std::size_t k = 0; k < 3; ++k) {
        st->bind(i++, channel_name(chans[std::min(k, chans.size() - 1)]));
      }
    }
    st->bind(i++, detail::to_sql_count(q.limit));
    std::vector<event> out;
    while (st->executeStep()) {
      out.push_back(detail::read_event(*st));
    }
    return out;
  });
}

std::uint64_t sqlite_repository::last_seq() { return impl_->last_seq.load(); }

std::uint64_t sqlite_repository::oldest_seq() {
  return impl_->read([&](sqlite_connection& c) { return read_u64(c, detail::sql_min_seq); });
}

state_snapshot sqlite_repository::snapshot(channel c, const event_filter& f,
                                           const data_scope& scope) {
  return impl_->read([&](sqlite_connection& conn) {
    // One read transaction: WAL gives it a fixed view, so the rows and the
    // seq read from the meta table describe the same commit. (The in-memory
    // last_seq runs ahead of that view while a commit is in flight.)
    SQLite::Transaction tx(conn.db(), SQLite::TransactionBehavior::DEFERRED);
    state_snapshot out;
    out.seq =
        std::max(read_u64(conn, detail::sql_read_last_seq), read_u64(conn, detail::sql_max_seq));
    out.data_json = detail::sqlite_read_state(conn, c, f, scope);
    tx.commit();
    return out;
  });
}

std::uint64_t sqlite_repository::prune_events(const retention_policy& policy) {
  if (policy.max_events == 0 && policy.max_age.count() <= 0) {
    return 0;
  }
  // Everything up to `cutoff` goes: the retained history stays a contiguous
  // suffix of the log, so oldest_seq() tells a resuming client what it missed.
  std::uint64_t cutoff = impl_->read([&](sqlite_connection& c) {
    std::uint64_t by_count = 0;
    if (policy.max_events > 0) {
      auto st = c.prepare(detail::sql_count_cutoff);
      st->bind(1, static_cast<std::int64_t>(std::min<std::uint64_t>(
                      policy.max_events, std::numeric_limits<std::int64_t>::max())));
      if (st->executeStep()) {
        by_count = static_cast<std::uint64_t>(st->getColumn(0).getInt64());
      }
    }
    std::uint64_t by_age = 0;
    if (policy.max_age.count() > 0) {
      const timestamp limit =
          now() - std::chrono::duration_cast<std::chrono::microseconds>(policy.max_age);
      auto st = c.prepare(detail::sql_age_cutoff);
      st->bind(1, static_cast<std::int64_t>(to_micros(limit)));
      if (st->executeStep()) {
        by_age = static_cast<std::uint64_t>(st->getColumn(0).getInt64());
      }
    }
    return std::max(by_count, by_age);
  });
  if (cutoff == 0) {
    return 0;
  }
  const std::size_t batch = policy.batch == 0 ? retention_policy{}.batch : policy.batch;
  std::uint64_t total = 0;
  for (;;) {
    // The writer lock is taken per batch, so writers get in between.
    const std::uint64_t n = impl_->prune_batch(cutoff, batch);
    total += n;
    if (n < batch) {
      break;
    }
  }
  return total;
}

readings_retention_result sqlite_repository::apply_readings_retention(
    const readings_retention_policy& policy, timestamp at) {
  readings_retention_result out;
  const std::size_t batch = policy.batch == 0 ? readings_retention_policy{}.batch : policy.batch;
  const std::int64_t now_us = to_micros(at);
  if (policy.raw_age.count() > 0) {
    // Whole hours only: a reading goes once its whole hour is older than raw_age.
    const std::int64_t cutoff = detail::floor_hour(
        now_us - std::chrono::duration_cast<std::chrono::microseconds>(policy.raw_age).count());
    out.raw_cutoff = from_micros(cutoff);
    for (;;) {  // the write lock is taken per step, so writers get in between
      const detail::fold_step s = impl_->retention_step(
          [&](sqlite_connection& c) { return detail::sqlite_fold_step(c, cutoff, batch); });
      out.readings_deleted += s.readings;
      out.hours_rolled_up += s.hours;
      if (s.readings == 0) break;
    }
  }
  if (policy.rollup_age.count() > 0) {
    const std::int64_t cutoff = detail::floor_hour(
        now_us - std::chrono::duration_cast<std::chrono::microseconds>(policy.rollup_age).count());
    out.rollup_cutoff = from_micros(cutoff);
    for (;;) {
      const std::uint64_t n = impl_->retention_step([&](sqlite_connection& c) {
        return detail::sqlite_prune_rollups_step(c, cutoff, batch);
      });
      out.rollups_deleted += n;
      if (n < batch) break;
    }
  }
  return out;
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include <pqxx/connection>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/transaction>

#include <algorithm>
#include <atomic>
#include <exception>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/postgres_repository.hpp"
#include "storage/postgres/pg_agg.hpp"
#include "storage/postgres/pg_idempotency.hpp"
#include "storage/postgres/pg_lists.hpp"
#include "storage/postgres/pg_liveness.hpp"
#include "storage/postgres/pg_pool.hpp"
#include "storage/postgres/pg_retention.hpp"
#include "storage/postgres/pg_rows.hpp"
#include "storage/postgres/pg_schema.hpp"
#include "storage/postgres/pg_snapshot.hpp"
#include "storage/postgres/pg_tail.hpp"
#include "storage/postgres/pg_write_tx.hpp"
#include "storage/write_queue.hpp"

namespace sensorhub {

namespace {

using detail::pg_pending_event;
using detail::queued_write;

constexpr std::size_t max_group = 256;     // writes per transaction, at most
constexpr std::size_t insert_chunk = 500;  // event rows per INSERT statement

[[noreturn]] void throw_storage(const std::exception& e) {
  throw error(errc::storage, std::string("postgresql: ") + e.what());
}

// The database cannot be reached (down, restarting, a failover): 503, a
// client retries; nothing of the request was committed.
error unreachable(const std::exception& e) {
  return error(errc::unavailable, std::string("database unavailable: ") + e.what());
}

std::uint64_t counter_seq(pqxx::transaction_base& tx) {
  const pqxx::row r = tx.exec1("SELECT last_seq FROM event_counter WHERE id = 1");
  return static_cast<std::uint64_t>(r[0].as<std::int64_t>());
}

event make_event(std::uint64_t seq, const pg_pending_event& p) {
  if (const auto* e = std::get_if<entity_change>(&p.change)) {
    return make_entity_event(seq, p.at, *e);
  }
  return make_system_event(seq, p.at, std::get<system_change>(p.change));
}

// The group's failure: no write of it stands.
void fail_all(const std::vector<queued_write*>& group, const std::exception_ptr& why) {
  for (queued_write* w : group) {
    w->events.clear();
    if (!w->failure) w->failure = why;
  }
}

}  // namespace

struct postgres_repository::impl {
  explicit impl(const postgres_options& o)
      : options(o), readers(o.uri, static_cast<std::size_t>(std::max(1, o.read_connections))) {
    writer = std::make_unique<pqxx::connection>(options.uri);
    detail::pg_migrate(*writer);
    {
      pqxx::nontransaction tx(*writer);
      committed = counter_seq(tx);
    }
    tail = std::make_unique<detail::pg_tail>(
        options.uri, committed.load(), options.poll_interval, options.max_backoff,
        [this](std::vector<event>&& evs) { deliver(std::move(evs)); }, options.log);
  }

  ~impl() { tail.reset(); }  // joins before the hook and the rest go

  // From the tail thread: every node's events, in seq order.
  void deliver(std::vector<event>&& evs) {
    std::lock_guard<std::mutex> lk(hook_mutex);
    if (hook) hook(evs);
  }

  template <class F>
  auto read(F&& f) {
    for (int attempt = 0;; ++attempt) {
      try {
        auto lease = readers.acquire();
        try {
          return f(*lease);
        } catch (const pqxx::broken_connection&) {
          lease.discard();
          throw;
        }
      } catch (const pqxx::broken_connection& e) {
        // Pooled connections die with a database restart: one fresh try.
        if (attempt == 0) continue;
        throw unreachable(e);
      } catch (const pqxx::failure& e) {
        throw_storage(e);
      } catch (const pqxx::usage_error& e) {
        throw_storage(e);
      }
    }
  }

  std::vector<event> write(const std::function<void(write_tx&)>& work) {
    if (queue.leading_here()) {
      throw error(errc::storage, "repository::write called from inside a write or the commit hook");
    }
    queued_write w(work);
    queue.submit(w, [this](const std::vector<queued_write*>& group) { run_group(group); });
    if (w.failure) std::rethrow_exception(w.failure);
    // The tail publishes every node's events in seq order, these included:
    // return once it has (a subscriber of this node has them by then).
    if (!w.events.empty()) tail->wait_published(w.events.back().seq, options.publish_wait);
    return std::move(w.events);
  }

  // The writer connection, re-opened when it broke.
  pqxx::connection& writer_connection() {
    if (!writer || !writer->is_open()) {
      writer.reset();
      writer = std::make_unique<pqxx::connection>(options.uri);
    }
    return *writer;
  }

  void run_group(const std::vector<queued_write*>& group) {
    try {
      run_group_tx(group);
    } catch (const pqxx::in_doubt_error& e) {
      writer.reset();
      fail_all(group,
               std::make_exception_ptr(error(
                   errc::storage, std::string("postgresql: commit outcome unknown: ") + e.what())));
    } catch (const pqxx::broken_connection& e) {
      writer.reset();
      fail_all(group, std::make_exception_ptr(unreachable(e)));
    } catch (const pqxx::failure& e) {
      fail_all(group, std::make_exception_ptr(
                          error(errc::storage, std::string("postgresql: ") + e.what())));
    } catch (const pqxx::usage_error& e) {
      writer.reset();
      fail_all(group, std::make_exception_ptr(
                          error(errc::storage, std::string("postgresql: ") + e.what())));
    } catch (...) {
      fail_all(group, std::current_exception());
    }
  }

  // One transaction for the group: each write under its own savepoint (when
  // the group has more than one), then the counter, the events and NOTIFY as
  // the last statements, then the commit.
  void run_group_tx(const std::vector<queued_write*>& group) {
    std::unique_ptr<pqxx::work> tx;
    try {
      tx = std::make_unique<pqxx::work>(writer_connection());
    } catch (const pqxx::broken_connection&) {
      writer.reset();  // died idle (a database restart): one fresh try
      tx = std::make_unique<pqxx::work>(writer_connection());
    }
    const bool isolate = group.size() > 1;
    std::vector<std::vector<pg_pending_event>> pending(group.size());
    bool any = false;
    for (std::size_t i = 0; i < group.size(); ++i) {
      queued_write& w = *group[i];
      if (isolate) tx->exec0("SAVEPOINT sensorhub_write");
      detail::pg_write_tx wtx(*tx);
      try {
        (*w.work)(wtx);
      } catch (const pqxx::broken_connection&) {
        throw;  // the whole group goes
      } catch (const pqxx::sql_error& e) {
        w.failure =
            std::make_exception_ptr(error(errc::storage, std::string("postgresql: ") + e.what()));
      } catch (...) {
        w.failure = std::current_exception();
      }
      if (w.failure) {
        if (isolate) {
          tx->exec0("ROLLBACK TO SAVEPOINT sensorhub_write");
          tx->exec0("RELEASE SAVEPOINT sensorhub_write");
        }
        continue;
      }
      if (isolate) tx->exec0("RELEASE SAVEPOINT sensorhub_write");
      pending[i] = wtx.take_pending();
      any = true;
    }
    if (!any) return;  // ~work rolls back

    std::size_t n = 0;
    for (const auto& p : pending) n += p.size();
    std::uint64_t last = 0;
    if (n > 0) {
      // The counter row lock is held from here to the commit: seq order is
      // commit order across every node, and a rollback leaves no gap.
      const pqxx::row r = tx->exec_params1(
          "UPDATE event_counter SET last_seq = last_seq + $1 WHERE id = 1 RETURNING last_seq",
          static_cast<std::int64_t>(n));
      last = static_cast<std::uint64_t>(r[0].as<std::int64_t>());
      std::uint64_t seq = last - n;
      std::string sql;
      std::size_t rows = 0;
      const auto flush = [&] {
        if (rows == 0) return;
        tx->exec0(sql);
        sql.clear();
        rows = 0;
      };
      for (std::size_t i = 0; i < group.size(); ++i) {
        for (const pg_pending_event& p : pending[i]) {
          event e = make_event(++seq, p);
          sql += rows == 0
                     ? std::string("INSERT INTO events(") + detail::pg_event_columns + ") VALUES "
                     : std::string(",");
          sql += detail::pg_event_values(*tx, e, p.at);
          ++rows;
          group[i]->events.push_back(std::move(e));
          if (rows == insert_chunk) flush();
        }
      }
      sql += std::string(";NOTIFY ") + detail::pg_notify_channel;
      ++rows;
      flush();
    }
    tx->commit();
    if (last > 0) {
      std::uint64_t prev = committed.load();
      while (prev < last && !committed.compare_exchange_weak(prev, last)) {
      }
    }
  }

  postgres_options options;
  detail::pg_pool readers;
  std::unique_ptr<pqxx::connection> writer;  // used by the leading writer only
  detail::write_queue queue{max_group};
  std::atomic<std::uint64_t> committed{0};  // newest seq this node committed or saw at open
  std::mutex hook_mutex;
  std::function<void(const std::vector<event>&)> hook;
  std::unique_ptr<detail::pg_tail> tail;  // last: its thread calls deliver()
};

postgres_repository::postgres_repository(const postgres_options& options) {
  try {
    impl_ = std::make_unique<impl>(options);
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw error(errc::storage, std::string("cannot open PostgreSQL database: ") + e.what());
  }
}

postgres_repository::~postgres_repository() = default;

int postgres_repository::schema_version() noexcept { return detail::pg_latest_schema_version(); }

std::vector<event> postgres_repository::write(const std::function<void(write_tx&)>& work) {
  return impl_->write(work);
}

void postgres_repository::set_commit_hook(std::function<void(const std::vector<event>&)> hook) {
  std::lock_guard<std::mutex> lk(impl_->hook_mutex);
  impl_->hook = std::move(hook);
}

std::optional<sensor> postgres_repository::find_sensor(std::int64_t id) {
  return impl_->read([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return detail::pg_find_sensor(tx, id);
  });
}

std::vector<sensor> postgres_repository::list_sensors(const sensor_query& q,
                                                      const data_scope& scope) {
  return impl_->read([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return detail::pg_list_sensors(tx, q, scope);
  });
}

std::optional<reading> postgres_repository::find_reading(std::int64_t id) {
  return impl_->read([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return detail::pg_find_reading(tx, id);
  });
}

std::vector<reading> postgres_repository::list_readings(const reading_query& q,
                                                        const data_scope& scope) {
  return impl_->read([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return detail::pg_list_readings(tx, q, scope);
  });
}

std::optional<idempotent_response> postgres_repository::find_idempotent(const std::string& owner,
                                                                        const std::string& key) {
  return impl_->read([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return detail::pg_find_idempotent(tx, owner, key);
  });
}

std::vector<agg_bucket> postgres_repository::aggregate_readings(const agg_query& q) {
  return impl_->read([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return detail::pg_aggregate_readings(tx, q);
  });
}

std::vector<liveness_row> postgres_repository::liveness() {
  return impl_->read([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    return detail::pg_liveness(tx);
  });
}

std::vector<event> postgres_repository::events(const event_query& q) {
  std::vector<std::string> chans;
  for (channel ch : q.channels) {
    const std::string name = channel_name(ch);
    if (std::find(chans.begin(), chans.end(), name) == chans.end()) chans.push_back(name);
  }
  const std::optional<std::string> chan_array =
      chans.size() >= std::size(all_channels) ? std::nullopt : detail::pg_text_array(chans);
  const auto since = static_cast<std::int64_t>(
      std::min<std::uint64_t>(q.since, std::numeric_limits<std::int64_t>::max()));
  static const std::string sql = std::string("SELECT ") + detail::pg_event_columns +
                                 " FROM events WHERE seq > $1 AND ($2::text[] IS NULL OR channel "
                                 "= ANY($2::text[])) ORDER BY seq LIMIT $3";
  return impl_->read([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    const pqxx::result r = tx.exec_params(sql, since, chan_array, detail::pg_count(q.limit));
    std::vector<event> out;
    out.reserve(r.size());
    for (pqxx::result::size_type i = 0; i < r.size(); ++i) {
      out.push_back(detail::pg_read_event(r[i]));
    }
    return out;
  });
}

std::uint64_t postgres_repository::last_seq() {
  return std::max(impl_->committed.load(), impl_->tail->published());
}

std::uint64_t postgres_repository::published_seq() const noexcept {
  return impl_->tail->published();
}

std::uint64_t postgres_repository::oldest_seq() {
  return impl_->read([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    const pqxx::row r = tx.exec1("SELECT COALESCE(MIN(seq), 0) FROM events");
    return static_cast<std::uint64_t>(r[0].as<std::int64_t>());
  });
}

std::uint64_t postgres_repository::prune_events(const retention_policy& policy) {
  return impl_->read([&](pqxx::connection& c) { return detail::pg_prune_events(c, policy); });
}

readings_retention_result postgres_repository::apply_readings_retention(
    const readings_retention_policy& policy, timestamp at) {
  return impl_->read(
      [&](pqxx::connection& c) { return detail::pg_apply_readings_retention(c, policy, at); });
}

state_snapshot postgres_repository::snapshot(channel c, const event_filter& f,
                                             const data_scope& scope) {
  return impl_->read([&](pqxx::connection& conn) {
    pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> tx(conn);
    return detail::pg_snapshot(tx, c, f, scope);
  });
}

bool postgres_repository::ready() {
  if (!impl_->tail->healthy()) return false;
  try {
    return impl_->read([](pqxx::connection& c) {
      pqxx::nontransaction tx(c);
      // A standby cannot take writes: not ready.
      return tx.exec1("SELECT NOT pg_is_in_recovery()")[0].as<bool>();
    });
  } catch (const error&) {
    return false;
  }
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "storage/sqlite/sqlite_group_commit.hpp"

#include <SQLiteCpp/Exception.h>
#include <SQLiteCpp/Transaction.h>

#include <exception>
#include <iterator>
#include <utility>

#include "sensorhub/error.hpp"
#include "storage/sqlite/sqlite_rows.hpp"
#include "storage/sqlite/sqlite_write_tx.hpp"

namespace sensorhub::detail {

namespace {

// Runs one write, under its own savepoint when `isolate` (the group holds
// others). Returns the last seq after it (unchanged if it failed).
std::uint64_t run_one(sqlite_connection& c, queued_write& w, std::uint64_t seq, bool isolate) {
  if (isolate) {
    c.prepare("SAVEPOINT sensorhub_write")->exec();
  }
  sqlite_write_tx wtx(c, seq);
  try {
    (*w.work)(wtx);
  } catch (const SQLite::Exception& e) {
    w.failure = std::make_exception_ptr(error(errc::storage, e.what()));
  } catch (...) {
    w.failure = std::current_exception();
  }
  if (w.failure) {
    if (isolate) {  // throws if SQLite already undid the whole transaction
      c.prepare("ROLLBACK TO sensorhub_write")->exec();
      c.prepare("RELEASE sensorhub_write")->exec();
    }
    return seq;
  }
  if (isolate) {
    c.prepare("RELEASE sensorhub_write")->exec();
  }
  w.events = wtx.take_events();
  return wtx.last_seq();
}

// The group's transaction did not commit: no write of it stands.
void fail_all(const std::vector<queued_write*>& group, const std::exception_ptr& why) {
  for (queued_write* w : group) {
    w->events.clear();
    if (!w->failure) {
      w->failure = why;
    }
  }
}

// Moves the group's events into one vector for the hook and, whatever the
// hook does, back out to their writers.
void publish_group(const write_group_context& ctx, const std::vector<queued_write*>& group) {
  std::size_t n = 0;
  for (const queued_write* w : group) n += w->events.size();
  if (n == 0) return;
  std::vector<event> all;
  all.reserve(n);
  for (queued_write* w : group) {
    std::move(w->events.begin(), w->events.end(), std::back_inserter(all));
  }
  struct give_back {
    const std::vector<queued_write*>& group;
    std::vector<event>& all;
    ~give_back() {
      auto it = all.begin();
      for (queued_write* w : group) {
        for (event& e : w->events) e = std::move(*it++);
      }
    }
  } back{group, all};
  ctx.hook(all);
}

void publish(const write_group_context& ctx, const std::vector<queued_write*>& group) {
  if (!ctx.hook) {
    return;
  }
  try {
    if (group.size() == 1) {
      if (!group[0]->events.empty()) ctx.hook(group[0]->events);
    } else {
      publish_group(ctx, group);
    }
  } catch (...) {  // the commit stands; the hook should own its errors
    log_to(ctx.log, log_level::error,
           describe("commit hook failed after a commit", std::current_exception()));
  }
}

}  // namespace

void run_write_group(const write_group_context& ctx, const std::vector<queued_write*>& group) {
  try {
    SQLite::Transaction tx(ctx.writer.db(), SQLite::TransactionBehavior::IMMEDIATE);
    const std::uint64_t before = ctx.last_seq.load();
    std::uint64_t seq = before;
    bool any = false;
    for (queued_write* w : group) {
      seq = run_one(ctx.writer, *w, seq, group.size() > 1);
      any = any || !w->failure;
    }
    if (!any) {
      return;  // ~Transaction rolls back
    }
    if (seq != before) {
      auto st = ctx.writer.prepare(sql_write_last_seq);
      st->bind(1, static_cast<std::int64_t>(seq));
      st->exec();
    }
    tx.commit();  // on any throw above, ~Transaction rolls back without throwing
    ctx.last_seq = seq;
  } catch (const SQLite::Exception& e) {
    fail_all(group, std::make_exception_ptr(error(errc::storage, e.what())));
    return;
  } catch (...) {
    fail_all(group, std::current_exception());
    return;
  }
  publish(ctx, group);
}

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#include "sensorhub/auth/sqlite_token_store.hpp"

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <mutex>
#include <thread>

#include "sensorhub/auth/token_where.hpp"
#include "sensorhub/error.hpp"
#include "token_schema.hpp"

namespace sensorhub {

namespace {

int clamp_timeout(std::chrono::milliseconds ms) noexcept {
  if (ms.count() < 0) return 0;
  if (ms.count() > std::numeric_limits<int>::max()) return std::numeric_limits<int>::max();
  return static_cast<int>(ms.count());
}

// NULL (tokens from schema 1) and "{}" are unrestricted.
data_scope scope_of(const SQLite::Column& c) {
  return c.isNull() ? data_scope{} : where_from_json(c.getString());
}

std::optional<timestamp> opt_time(const SQLite::Column& c) {
  if (c.isNull()) return std::nullopt;
  return from_micros(c.getInt64());
}

// Runs fn; SQLite failures become error(errc::storage).
template <typename Fn>
auto storage_call(Fn&& fn) -> decltype(fn()) {
  try {
    return fn();
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw error(errc::storage, std::string("token store: ") + e.what());
  }
}

}  // namespace

struct sqlite_token_store::impl {
  SQLite::Database db;
  std::mutex m;

  impl(const std::string& path, std::chrono::milliseconds busy)
      : db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, clamp_timeout(busy)) {
    // Several stores (threads or processes) may open one fresh file at once.
    // Turning it to WAL then answers SQLITE_BUSY at once where waiting in the
    // busy handler could deadlock, so the set-up is retried (the migration
    // rolls back on a throw) until the busy timeout has passed.
    const auto deadline = std::chrono::steady_clock::now() + busy;
    for (;;) {
      try {
        // The file may be shared with a hub, which runs in WAL mode too.
        db.exec("PRAGMA journal_mode=WAL");
        detail::token_schema_migrate(db);
        return;
      } catch (const SQLite::Exception& e) {
        if ((e.getErrorCode() & 0xff) != SQLITE_BUSY ||
            std::chrono::steady_clock::now() >= deadline)
          throw;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
};

sqlite_token_store::sqlite_token_store(const std::string& db_path,
                                       std::chrono::milliseconds busy_timeout) {
  storage_call([&] {
    impl_ = std::make_unique<impl>(db_path, busy_timeout);
    return 0;
  });
}

sqlite_token_store::~sqlite_token_store() = default;

int sqlite_token_store::schema_version() noexcept { return detail::token_schema_latest(); }

std::string sqlite_token_store::create(const token_params& params) {
  check_token_params(params);
  std::lock_guard<std::mutex> lk(impl_->m);
  return storage_call([&] {
    SQLite::Transaction tx(impl_->db, SQLite::TransactionBehavior::IMMEDIATE);
    {
      SQLite::Statement st(impl_->db, "SELECT 1 FROM tokens WHERE name = ?");
      st.bind(1, params.name);
      if (st.executeStep()) {
        throw error(errc::invalid_parameter, "a token named '" + params.name +
                                                 "' already exists (revoked names stay taken)");
      }
    }
    const std::string token = generate_token();
    const token_hash h = hash_token(token);
    SQLite::Statement st(
        impl_->db,
        "INSERT INTO tokens(name, hash, scopes, created_at, data_scope) VALUES (?, ?, ?, ?, ?)");
    st.bind(1, params.name);
    st.bind(2, h.data(), static_cast<int>(h.size()));
    st.bind(3, format_scopes(params.scopes));
    st.bind(4, static_cast<std::int64_t>(to_micros(now())));
    if (params.where.unrestricted()) {
      st.bind(5);
    } else {
      st.bind(5, where_to_json(params.where));
    }
    st.exec();
    tx.commit();
    return token;
  });
}

std::vector<token_info> sqlite_token_store::list() {
  std::lock_guard<std::mutex> lk(impl_->m);
  return storage_call([&] {
    std::vector<token_info> out;
    SQLite::Statement st(
        impl_->db,
        "SELECT name, scopes, created_at, last_used, revoked_at, data_scope FROM tokens "
        "ORDER BY name");
    while (st.executeStep()) {
      token_info t;
      t.name = st.getColumn(0).getString();
      t.scopes = parse_scopes(st.getColumn(1).getString()).value_or(0);
      t.created_at = from_micros(st.getColumn(2).getInt64());
      t.last_used = opt_time(st.getColumn(3));
      t.revoked_at = opt_time(st.getColumn(4));
      t.where = scope_of(st.getColumn(5));
      out.push_back(std::move(t));
    }
    return out;
  });
}

bool sqlite_token_store::revoke(const std::string& name) {
  std::lock_guard<std::mutex> lk(impl_->m);
  return storage_call([&] {
    SQLite::Statement st(impl_->db,
                         "UPDATE tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL");
    st.bind(1, static_cast<std::int64_t>(to_micros(now())));
    st.bind(2, name);
    return st.exec() > 0;
  });
}

std::vector<active_token> sqlite_token_store::active() {
  std::lock_guard<std::mutex> lk(impl_->m);
  return storage_call([&] {
    std::vector<active_token> out;
    SQLite::Statement st(
        impl_->db, "SELECT name, scopes, hash, data_scope FROM tokens WHERE revoked_at IS NULL");
    while (st.executeStep()) {
      active_token t;
      t.name = st.getColumn(0).getString();
      t.scopes = parse_scopes(st.getColumn(1).getString()).value_or(0);
      const SQLite::Column h = st.getColumn(2);
      if (h.getBytes() != static_cast<int>(t.hash.size())) continue;
      const auto* p = static_cast<const std::uint8_t*>(h.getBlob());
      std::copy(p, p + t.hash.size(), t.hash.begin());
      try {
        t.where = scope_of(st.getColumn(3));
      } catch (const error&) {
        continue;  // a scope this build cannot read: the token is unusable, never unscoped
      }
      out.push_back(std::move(t));
    }
    return out;
  });
}

void sqlite_token_store::mark_used(const std::string& name, timestamp when) {
  std::lock_guard<std::mutex> lk(impl_->m);
  storage_call([&] {
    SQLite::Statement st(
        impl_->db,
        "UPDATE tokens SET last_used = ? WHERE name = ? AND (last_used IS NULL OR last_used < ?)");
    const auto us = static_cast<std::int64_t>(to_micros(when));
    st.bind(1, us);
    st.bind(2, name);
    st.bind(3, us);
    st.exec();
    return 0;
  });
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "sensorhub/auth/postgres_token_store.hpp"

#include <pqxx/connection>
#include <pqxx/except>
#include <pqxx/result>
#include <pqxx/transaction>

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>

#include "hex.hpp"
#include "sensorhub/auth/token_where.hpp"
#include "sensorhub/error.hpp"

namespace sensorhub {

namespace {

// Migration N (1-based) takes the tokens schema from version N-1 to N. Never
// edit a released migration: append a new one. Version 1 is what SQLite's
// two migrations built: times in microseconds since the epoch, the SHA-256
// hash as 32 bytes, scopes as "read,write", data_scope as where_to_json's
// text (NULL: unrestricted).
constexpr const char* migrations[] = {
    R"sql(
CREATE TABLE IF NOT EXISTS tokens (
  name TEXT PRIMARY KEY,
  hash BYTEA NOT NULL UNIQUE CHECK (octet_length(hash) = 32),
  scopes TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used BIGINT,
  revoked_at BIGINT,
  data_scope TEXT
)
)sql",
};

constexpr int latest = static_cast<int>(sizeof(migrations) / sizeof(migrations[0]));

// pg_advisory_xact_lock key of the tokens schema (...0000 and ...0001 are the
// repository migrations and the retention fold: storage/postgres/pg_schema.cpp).
constexpr const char* lock_sql = "SELECT pg_advisory_xact_lock(7306086930176390002)";

void migrate(pqxx::connection& c) {
  pqxx::work tx(c);
  tx.exec(lock_sql);  // one row: not exec0
  tx.exec0(
      "CREATE TABLE IF NOT EXISTS schema_versions ("
      "component TEXT PRIMARY KEY, version INTEGER NOT NULL)");
  const pqxx::result r =
      tx.exec_params("SELECT version FROM schema_versions WHERE component = $1", "auth");
  const int current = r.empty() ? 0 : r[0][0].as<int>();
  if (current > latest) {
    throw error(errc::storage, "tokens schema " + std::to_string(current) +
                                   " is newer than this build (" + std::to_string(latest) + ")");
  }
  if (current == latest) return;  // the transaction rolls back harmlessly
  for (int v = current + 1; v <= latest; ++v) tx.exec0(migrations[v - 1]);
  tx.exec_params0(
      "INSERT INTO schema_versions(component, version) VALUES ($1, $2) "
      "ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version",
      "auth", latest);
  tx.commit();
}

int hex_digit(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// encode(hash, 'hex') back into a token_hash; false when it is not 32 bytes.
bool hash_from_hex(const std::string& hex, token_hash& out) noexcept {
  if (hex.size() != out.size() * 2) return false;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const int hi = hex_digit(hex[2 * i]);
    const int lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return true;
}

std::optional<timestamp> opt_time(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return from_micros(f.as<long long>());
}

// NULL (and "{}") is unrestricted.
data_scope scope_of(const pqxx::field& f) {
  return f.is_null() ? data_scope{} : where_from_json(f.as<std::string>());
}

}  // namespace

struct postgres_token_store::impl {
  std::string uri;
  std::mutex m;
  std::unique_ptr<pqxx::connection> conn;  // guarded by m

  explicit impl(std::string u) : uri(std::move(u)) {
    conn = std::make_unique<pqxx::connection>(uri);
    migrate(*conn);
  }

  // Runs fn(connection) under the mutex. A broken connection is opened
  // again and fn retried once; a commit whose outcome is unknown
  // (in_doubt_error) is not retried. Backend failures become
  // error(errc::storage); sensorhub::error passes through.
  template <typename Fn>
  auto call(Fn&& fn) -> decltype(fn(std::declval<pqxx::connection&>())) {
    std::lock_guard<std::mutex> lk(m);
    try {
      try {
        if (!conn) conn = std::make_unique<pqxx::connection>(uri);
        return fn(*conn);
      } catch (const pqxx::broken_connection&) {
        conn.reset();
        conn = std::make_unique<pqxx::connection>(uri);
        return fn(*conn);
      }
    } catch (const error&) {
      throw;
    } catch (const pqxx::broken_connection& e) {
      conn.reset();  // the next call connects afresh
      throw error(errc::storage, std::string("token store: ") + e.what());
    } catch (const std::exception& e) {
      throw error(errc::storage, std::string("token store: ") + e.what());
    }
  }
};

postgres_token_store::postgres_token_store(const std::string& uri) {
  try {
    impl_ = std::make_unique<impl>(uri);
  } catch (const error&) {
    throw;
  } catch (const std::exception& e) {
    throw error(errc::storage, std::string("token store: ") + e.what());
  }
}

postgres_token_store::~postgres_token_store() = default;

int postgres_token_store::schema_version() noexcept { return latest; }

std::string postgres_token_store::create(const token_params& params) {
  check_token_params(params);
  const std::string token = generate_token();
  const token_hash h = hash_token(token);
  const std::string hash_hex = detail::to_hex(h.data(), h.size());
  const std::string where_json =
      params.where.unrestricted() ? std::string() : where_to_json(params.where);
  const bool inserted = impl_->call([&](pqxx::connection& c) {
    pqxx::work tx(c);
    // The primary key decides, also against other nodes creating the same
    // name at the same moment.
    const pqxx::result r = tx.exec_params(
        "INSERT INTO tokens(name, hash, scopes, created_at, data_scope) "
        "VALUES ($1, decode($2, 'hex'), $3, $4, $5) ON CONFLICT (name) DO NOTHING",
        params.name, hash_hex, format_scopes(params.scopes),
        static_cast<long long>(to_micros(now())),
        where_json.empty() ? nullptr : where_json.c_str());
    tx.commit();
    return r.affected_rows() == 1;
  });
  if (!inserted) {
    throw error(errc::invalid_parameter,
                "a token named '" + params.name + "' already exists (revoked names stay taken)");
  }
  return token;
}

std::vector<token_info> postgres_token_store::list() {
  return impl_->call([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    const pqxx::result r = tx.exec(
        "SELECT name, scopes, created_at, last_used, revoked_at, data_scope FROM tokens "
        "ORDER BY name COLLATE \"C\"");
    std::vector<token_info> out;
    out.reserve(r.size());
    for (const auto& row : r) {
      token_info t;
      t.name = row[0].as<std::string>();
      t.scopes = parse_scopes(row[1].as<std::string>()).value_or(0);
      t.created_at = from_micros(row[2].as<long long>());
      t.last_used = opt_time(row[3]);
      t.revoked_at = opt_time(row[4]);
      t.where = scope_of(row[5]);
      out.push_back(std::move(t));
    }
    return out;
  });
}

bool postgres_token_store::revoke(const std::string& name) {
  return impl_->call([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const pqxx::result r =
        tx.exec_params("UPDATE tokens SET revoked_at = $1 WHERE name = $2 AND revoked_at IS NULL",
                       static_cast<long long>(to_micros(now())), name);
    tx.commit();
    return r.affected_rows() > 0;
  });
}

std::vector<active_token> postgres_token_store::active() {
  return impl_->call([&](pqxx::connection& c) {
    pqxx::read_transaction tx(c);
    const pqxx::result r = tx.exec(
        "SELECT name, scopes, encode(hash, 'hex'), data_scope FROM tokens "
        "WHERE revoked_at IS NULL");
    std::vector<active_token> out;
    out.reserve(r.size());
    for (const auto& row : r) {
      active_token t;
      t.name = row[0].as<std::string>();
      t.scopes = parse_scopes(row[1].as<std::string>()).value_or(0);
      if (!hash_from_hex(row[2].as<std::string>(), t.hash)) continue;
      try {
        t.where = scope_of(row[3]);
      } catch (const error&) {
        continue;  // a scope this build cannot read: the token is unusable, never unscoped
      }
      out.push_back(std::move(t));
    }
    return out;
  });
}

void postgres_token_store::mark_used(const std::string& name, timestamp when) {
  impl_->call([&](pqxx::connection& c) {
    pqxx::work tx(c);
    const auto us = static_cast<long long>(to_micros(when));
    // GREATEST-style guard in the statement itself: concurrent uses on
    // several nodes never move last_used backwards.
    tx.exec_params0(
        "UPDATE tokens SET last_used = $1 WHERE name = $2 "
        "AND (last_used IS NULL OR last_used < $1)",
        us, name);
    tx.commit();
    return 0;
  });
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "storage/postgres/pg_idempotency.hpp"

#include <pqxx/result>

#include "storage/postgres/pg_rows.hpp"

namespace sensorhub::detail {

namespace {

constexpr const char sql_find[] =
    "SELECT request_hash, status, body, created_at FROM idempotency_keys "
    "WHERE owner = $1 AND key = $2";

// At most 100 expired answers per write, as SQLite. Rows another node is
// deleting are skipped, not waited for.
constexpr const char sql_expire[] =
    "DELETE FROM idempotency_keys WHERE (owner, key) IN (SELECT owner, key FROM "
    "idempotency_keys WHERE created_at < $1 ORDER BY created_at LIMIT 100 FOR UPDATE SKIP "
    "LOCKED)";

// INSERT OR REPLACE of SQLite.
constexpr const char sql_put[] =
    "INSERT INTO idempotency_keys(owner, key, request_hash, status, body, created_at) "
    "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (owner, key) DO UPDATE SET "
    "request_hash = EXCLUDED.request_hash, status = EXCLUDED.status, body = EXCLUDED.body, "
    "created_at = EXCLUDED.created_at";

}  // namespace

std::optional<idempotent_response> pg_find_idempotent(pqxx::transaction_base& tx,
                                                      const std::string& owner,
                                                      const std::string& key) {
  const pqxx::result r = tx.exec_params(sql_find, owner, key);
  if (r.empty()) return std::nullopt;
  idempotent_response out;
  out.owner = owner;
  out.key = key;
  out.request_hash = r[0][0].as<std::string>();
  out.status = r[0][1].as<int>();
  out.body = r[0][2].as<std::string>();
  out.created_at = pg_time(r[0][3]);
  return out;
}

void pg_put_idempotent(pqxx::transaction_base& tx, const idempotent_response& r,
                       timestamp expire_before) {
  tx.exec_params0(sql_expire, pg_micros(expire_before));
  tx.exec_params0(sql_put, r.owner, r.key, r.request_hash, r.status, r.body,
                  pg_micros(r.created_at));
}

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
// postgres_token_store on a real PostgreSQL server (label "pg"): the store
// contract shared with sqlite_token_store (token_store_contract.hpp), what
// is stored, concurrent opening, schema versions, reconnecting.
#include <doctest/doctest.h>

#include <pqxx/connection>
#include <pqxx/nontransaction>
#include <pqxx/result>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "hex.hpp"
#include "sensorhub/auth/postgres_token_store.hpp"
#include "sensorhub/error.hpp"
#include "support/pg_test_db.hpp"
#include "token_store_contract.hpp"

using namespace sensorhub;

namespace {

// A fresh database per test case; every call opens one more store on it.
struct pg_backend {
  std::string uri = testing::pg_fresh_database();
  contract::store_opener opener() const {
    const std::string u = uri;
    return [u] { return std::make_unique<postgres_token_store>(u); };
  }
  pqxx::result query(const std::string& sql) const {
    pqxx::connection c(uri);
    pqxx::nontransaction tx(c);
    return tx.exec(sql);
  }
};

}  // namespace

TEST_SUITE("pg") {  // for doctest filters; ctest labels come from CMake
  TEST_CASE("postgres_token_store: create, list, active, revoke") {
    pg_backend b;
    contract::create_list_active_revoke(b.opener());
  }

  TEST_CASE("postgres_token_store: list is ordered by name, byte by byte") {
    pg_backend b;
    contract::list_order(b.opener());
  }

  TEST_CASE("postgres_token_store: bad names, no scopes and duplicate names are refused") {
    pg_backend b;
    contract::refuses_bad_params(b.opener());
  }

  TEST_CASE("postgres_token_store: data scopes are stored and read back") {
    pg_backend b;
    contract::where_scopes_round_trip(b.opener());
  }

  TEST_CASE("postgres_token_store: two stores on one database see each other") {
    pg_backend b;
    contract::two_stores_see_each_other(b.opener());
  }

  TEST_CASE("postgres_token_store: used through the token_store interface") {
    pg_backend b;
    contract::unknown_names_ignored(b.opener());
  }

  TEST_CASE("postgres_token_store: one store called from several threads at once") {
    pg_backend b;
    contract::several_threads(b.opener(), 1);
  }

  TEST_CASE("postgres_token_store: two stores on one database from several threads") {
    pg_backend b;
    contract::several_threads(b.opener(), 2);
  }

  TEST_CASE("postgres_token_store: stores racing for one name, exactly one wins") {
    pg_backend b;
    contract::same_name_race(b.opener());
  }

  TEST_CASE("postgres_token_store: only the SHA-256 hash is stored, scopes as on SQLite") {
    pg_backend b;
    std::string token;
    data_scope w;
    w.tipo = {"humedad"};
    w.sensor_id = {12};
    {
      postgres_token_store store(b.uri);
      token = store.create({"secret", scope_admin | scope_read, w});
      store.create({"plain", scope_write});
    }
    const auto rows = b.query(
        "SELECT name, encode(hash, 'hex'), scopes, data_scope, t::text FROM tokens t "
        "ORDER BY name");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0][0].as<std::string>() == "plain");
    CHECK(rows[0][2].as<std::string>() == "write");
    CHECK(rows[0][3].is_null());  // unrestricted: NULL, as on SQLite
    CHECK(rows[1][0].as<std::string>() == "secret");
    const token_hash h = hash_token(token);
    CHECK(rows[1][1].as<std::string>() == detail::to_hex(h.data(), h.size()));
    CHECK(rows[1][2].as<std::string>() == "read,admin");
    CHECK(rows[1][3].as<std::string>() == where_to_json(w));
    for (const auto& row : rows) {
      const std::string text = row[4].as<std::string>();
      CHECK(text.find(token) == std::string::npos);
      CHECK(text.find(token.substr(4)) == std::string::npos);
    }
    const auto v = b.query("SELECT version FROM schema_versions WHERE component = 'auth'");
    REQUIRE(v.size() == 1);
    CHECK(v[0][0].as<int>() == postgres_token_store::schema_version());
  }

  TEST_CASE("postgres_token_store: several stores open one fresh database at once") {
    pg_backend b;
    constexpr int n = 6;
    std::vector<std::thread> threads;
    std::vector<std::string> failures(n);
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        try {
          postgres_token_store store(b.uri);
          store.create({"node-" + std::to_string(i), scope_read});
        } catch (const std::exception& e) {
          failures[i] = e.what();
        }
      });
    }
    for (auto& t : threads) t.join();
    for (const auto& f : failures) CHECK(f == "");
    postgres_token_store store(b.uri);
    CHECK(store.list().size() == n);
    CHECK(b.query("SELECT 1 FROM schema_versions").size() == 1);
  }

  TEST_CASE("postgres_token_store: a newer tokens schema is refused, the tokens stay") {
    pg_backend b;
    { postgres_token_store(b.uri).create({"kept", scope_read}); }
    b.query("UPDATE schema_versions SET version = 99 WHERE component = 'auth'");
    try {
      postgres_token_store store(b.uri);
      FAIL("opened a newer schema");
    } catch (const error& e) {
      CHECK(e.code() == errc::storage);
      CHECK(std::string(e.what()).find("newer") != std::string::npos);
    }
    CHECK(b.query("SELECT 1 FROM tokens").size() == 1);
  }

  TEST_CASE("postgres_token_store: reopening keeps the tokens and the version") {
    pg_backend b;
    std::string token;
    { token = postgres_token_store(b.uri).create({"again", scope_read}); }
    postgres_token_store store(b.uri);
    const auto act = store.active();
    REQUIRE(act.size() == 1);
    CHECK(hashes_equal(act[0].hash, hash_token(token)));
    CHECK(b.query("SELECT version FROM schema_versions")[0][0].as<int>() ==
          postgres_token_store::schema_version());
  }

  TEST_CASE("postgres_token_store: a connection the server dropped is opened again") {
    pg_backend b;
    postgres_token_store store(b.uri);
    store.create({"before", scope_read});
    for (int round = 0; round < 3; ++round) {
      // Every other session on this database, the store's included.
      const auto killed = b.query(
          "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
          "WHERE datname = current_database() AND pid <> pg_backend_pid()");
      CHECK(killed.size() >= 1);
      if (round == 0) {
        CHECK(store.list().size() == 1);
      } else if (round == 1) {
        store.create({"after", scope_write});
      } else {
        store.mark_used("after", from_micros(77));
      }
    }
    const auto all = store.list();
    REQUIRE(all.size() == 2);
    CHECK(all[0].name == "after");
    REQUIRE(all[0].last_used.has_value());
    CHECK(to_micros(*all[0].last_used) == 77);
  }

  TEST_CASE("postgres_token_store: an unreachable server is a storage error") {
    try {
      postgres_token_store store("postgresql://sensorhub@127.0.0.1:1/sensorhub?connect_timeout=5");
      FAIL("connected to port 1");
    } catch (const error& e) {
      CHECK(e.code() == errc::storage);
    }
  }
}

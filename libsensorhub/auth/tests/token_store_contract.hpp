// SPDX-License-Identifier: MIT
#pragma once
// The token_store contract (token_store.hpp), checked the same way for every
// implementation: each test_*token_store.cpp opens its own kind of store on
// a fresh backing database and calls these from its TEST_CASEs.

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/auth/token_store.hpp"
#include "sensorhub/auth/token_where.hpp"
#include "sensorhub/error.hpp"

namespace sensorhub::contract {

// Opens one more store on the same (fresh) backing database each call.
using store_opener = std::function<std::unique_ptr<token_store>()>;

inline void create_list_active_revoke(const store_opener& open) {
  const auto store = open();
  const std::string t1 = store->create({"dash", scope_read});
  const std::string t2 = store->create({"device-1", scope_read | scope_write});
  CHECK(t1 != t2);

  auto act = store->active();
  REQUIRE(act.size() == 2);
  bool found = false;
  for (const auto& a : act) {
    if (a.name == "dash") {
      found = true;
      CHECK(a.scopes == scope_read);
      CHECK(hashes_equal(a.hash, hash_token(t1)));
      CHECK_FALSE(hashes_equal(a.hash, hash_token(t2)));
    }
  }
  CHECK(found);

  auto all = store->list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "dash");
  CHECK(all[1].name == "device-1");
  CHECK(all[1].scopes == (scope_read | scope_write));
  CHECK_FALSE(all[0].last_used.has_value());
  CHECK_FALSE(all[0].revoked_at.has_value());

  store->mark_used("dash", from_micros(5000));
  store->mark_used("dash", from_micros(4000));  // never backwards
  all = store->list();
  REQUIRE(all[0].last_used.has_value());
  CHECK(to_micros(*all[0].last_used) == 5000);
  store->mark_used("dash", from_micros(6000));
  CHECK(to_micros(*store->list()[0].last_used) == 6000);

  CHECK(store->revoke("dash"));
  CHECK_FALSE(store->revoke("dash"));
  CHECK_FALSE(store->revoke("nobody"));
  act = store->active();
  REQUIRE(act.size() == 1);
  CHECK(act[0].name == "device-1");
  all = store->list();
  CHECK(all[0].revoked_at.has_value());
}

// list() is ordered by name byte by byte (upper case before lower case).
inline void list_order(const store_opener& open) {
  const auto store = open();
  for (const char* n : {"b", "B", "a-2", "a_1", "A", "a.1", "0"}) store->create({n, scope_read});
  std::vector<std::string> names;
  for (const auto& t : store->list()) names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"0", "A", "B", "a-2", "a.1", "a_1", "b"});
}

inline void refuses_bad_params(const store_opener& open) {
  const auto store = open();
  CHECK_THROWS_AS(store->create({"", scope_read}), error);
  CHECK_THROWS_AS(store->create({"has space", scope_read}), error);
  CHECK_THROWS_AS(store->create({std::string(65, 'a'), scope_read}), error);
  CHECK_THROWS_AS(store->create({"ok", 0}), error);
  data_scope bad_where;
  bad_where.sensor_id = {0};
  CHECK_THROWS_AS(store->create({"bad-where", scope_read, bad_where}), error);
  store->create({"ok", scope_read});
  try {
    store->create({"ok", scope_write});
    FAIL("duplicate name accepted");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_parameter);
  }
  store->revoke("ok");
  try {
    store->create({"ok", scope_read});
    FAIL("revoked name reused");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_parameter);
  }
  CHECK(store->list().size() == 1);
}

inline void where_scopes_round_trip(const store_opener& open) {
  const auto store = open();
  data_scope w;
  w.sensor_id = {3, 7};
  w.tipo = {"temperatura"};
  w.ubicacion = {"lab", "roof"};
  const std::string t = store->create({"scoped", scope_read, w});
  store->create({"open", scope_read});
  const auto again = open();  // read back through another store
  for (const auto& a : again->active()) {
    if (a.name == "scoped") {
      CHECK(a.where == w);
      CHECK(hashes_equal(a.hash, hash_token(t)));
    } else {
      CHECK(a.where.unrestricted());
    }
  }
  const auto all = again->list();
  REQUIRE(all.size() == 2);
  CHECK(all[0].name == "open");
  CHECK(all[0].where.unrestricted());
  CHECK(all[1].where == w);
  CHECK(format_where(all[1].where) == format_where(w));
}

inline void two_stores_see_each_other(const store_opener& open) {
  const auto a = open();
  const auto b = open();
  const std::string t = a->create({"one", scope_read});
  REQUIRE(b->active().size() == 1);
  CHECK(hashes_equal(b->active()[0].hash, hash_token(t)));
  b->mark_used("one", from_micros(9000));
  a->mark_used("one", from_micros(8000));  // an older use on another node
  REQUIRE(a->list()[0].last_used.has_value());
  CHECK(to_micros(*a->list()[0].last_used) == 9000);
  try {
    b->create({"one", scope_write});
    FAIL("a name taken through another store accepted");
  } catch (const error& e) {
    CHECK(e.code() == errc::invalid_parameter);
  }
  CHECK(b->revoke("one"));
  CHECK(a->active().empty());
  CHECK_FALSE(a->revoke("one"));
}

inline void unknown_names_ignored(const store_opener& open) {
  const auto store = open();
  token_params p;
  p.name = "iface";
  p.scopes = scope_write;
  const std::string t = store->create(p);
  const auto act = store->active();
  REQUIRE(act.size() == 1);
  CHECK(act[0].name == "iface");
  CHECK(act[0].scopes == scope_write);
  CHECK(hashes_equal(act[0].hash, hash_token(t)));
  store->mark_used("nobody", from_micros(1));  // unknown names are ignored
  CHECK_FALSE(store->list()[0].last_used.has_value());
}

// One store called from several threads at once, and (when `stores` > 1)
// several stores on one database created concurrently.
inline void several_threads(const store_opener& open, int stores) {
  std::vector<std::unique_ptr<token_store>> s;
  for (int i = 0; i < stores; ++i) s.push_back(open());
  constexpr int threads = 4;
  constexpr int per_thread = 25;
  std::vector<std::thread> workers;
  std::vector<std::string> failures(threads);
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&, i] {
      token_store& store = *s[static_cast<std::size_t>(i % stores)];
      try {
        for (int k = 0; k < per_thread; ++k) {
          const std::string name = "t" + std::to_string(i) + "-" + std::to_string(k);
          store.create({name, scope_read});
          store.mark_used(name, from_micros(k + 1));
          if (store.active().empty()) failures[i] = "active() missed a token";
        }
      } catch (const std::exception& e) {
        failures[i] = e.what();
      }
    });
  }
  for (auto& w : workers) w.join();
  for (const auto& f : failures) CHECK(f.empty());
  const auto all = s[0]->list();
  CHECK(all.size() == threads * per_thread);
  for (const auto& t : all) CHECK(t.last_used.has_value());
}

// Every store racing to create the same name: exactly one wins, the others
// get invalid_parameter.
inline void same_name_race(const store_opener& open) {
  constexpr int racers = 4;
  std::vector<std::unique_ptr<token_store>> s;
  for (int i = 0; i < racers; ++i) s.push_back(open());
  for (int round = 0; round < 10; ++round) {
    const std::string name = "race-" + std::to_string(round);
    std::vector<int> outcome(racers, -1);  // 1 created, 0 refused, 2 other error
    std::vector<std::thread> workers;
    for (int i = 0; i < racers; ++i) {
      workers.emplace_back([&, i] {
        try {
          s[static_cast<std::size_t>(i)]->create({name, scope_read});
          outcome[i] = 1;
        } catch (const error& e) {
          outcome[i] = e.code() == errc::invalid_parameter ? 0 : 2;
        }
      });
    }
    for (auto& w : workers) w.join();
    int created = 0;
    for (int o : outcome) {
      CHECK(o != 2);
      if (o == 1) ++created;
    }
    CHECK(created == 1);
  }
  CHECK(s[0]->list().size() == 10);
}

}  // namespace sensorhub::contract

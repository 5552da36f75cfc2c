// SPDX-License-Identifier: MIT
// Group commit in the SQLite repository: concurrent write() calls that
// arrive together share one transaction, each under its own savepoint.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "support/gate.hpp"
#include "support/temp_dir.hpp"

using namespace sensorhub;
using sensorhub::testing::gate;
using sensorhub::testing::temp_dir;
using sensorhub::testing::wait_until;

namespace {

struct injected_failure : std::runtime_error {
  injected_failure() : std::runtime_error("injected") {}
};

sqlite_options file_options(const std::string& path) {
  sqlite_options o;
  o.path = path;
  o.busy_timeout = std::chrono::milliseconds(10000);
  o.read_connections = 2;
  return o;
}

sensor make_sensor(const std::string& tipo) {
  sensor s;
  s.tipo = tipo;
  s.modelo = "DHT22";
  s.created_at = s.updated_at = now();
  return s;
}

reading make_reading(std::int64_t sensor_id, double valor) {
  reading l;
  l.sensor_id = sensor_id;
  l.valor = valor;
  l.timestamp = l.created_at = l.updated_at = now();
  return l;
}

entity_change created(const sensor& s) {
  entity_change c;
  c.data = s;
  c.tipo = s.tipo;
  return c;
}

entity_change created(const reading& l) {
  entity_change c;
  c.data = l;
  c.tipo = "t";
  return c;
}

std::vector<std::uint64_t> stored_seqs(repository& repo) {
  event_query q;
  q.limit = 1000000;
  std::vector<std::uint64_t> out;
  for (const event& e : repo.events(q)) out.push_back(e.seq);
  return out;
}

std::vector<std::uint64_t> one_to(std::uint64_t n) {
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = 1; i <= n; ++i) out.push_back(i);
  return out;
}

// What the commit hook saw: each call's seqs, in call order. Thread-safe.
struct hook_log {
  std::mutex m;
  std::vector<std::vector<std::uint64_t>> calls;
  void add(const std::vector<event>& evs) {
    std::vector<std::uint64_t> seqs;
    for (const event& e : evs) seqs.push_back(e.seq);
    std::lock_guard<std::mutex> lock(m);
    calls.push_back(std::move(seqs));
  }
  std::vector<std::uint64_t> flat() {
    std::lock_guard<std::mutex> lock(m);
    std::vector<std::uint64_t> out;
    for (const auto& c : calls) out.insert(out.end(), c.begin(), c.end());
    return out;
  }
};

// The kinds of write a follower makes in the grouping test.
enum class outcome { ok, thrown, not_found, constraint };

outcome kind_of(int i) {
  switch (i % 5) {
    case 1:
      return outcome::thrown;
    case 2:
      return outcome::not_found;
    case 3:
      return outcome::constraint;
    default:
      return outcome::ok;
  }
}

}  // namespace

TEST_CASE("writes queued behind a leader commit as one group and a failure fails only itself") {
  temp_dir dir;
  sqlite_repository repo(file_options(dir.file("group.db")));
  sensor owner;
  repo.write([&](write_tx& tx) { tx.append(created(owner = tx.insert_sensor(make_sensor("t")))); });

  constexpr int followers = 20;
  hook_log log;
  gate leader_in_hook;
  std::atomic<bool> held{false};
  std::atomic<bool> all_queued{false};
  repo.set_commit_hook([&](const std::vector<event>& evs) {
    log.add(evs);
    if (!held.exchange(true)) {  // the first group holds the writer until all followers queued
      leader_in_hook.open();
      // The timeout only bounds a broken test; the count is what decides.
      all_queued = wait_until([&] { return repo.write_stats().queued == followers; },
                              std::chrono::seconds(60));
    }
  });
  const sqlite_write_stats before = repo.write_stats();

  std::thread leader([&] {
    repo.write([&](write_tx& tx) { tx.append(created(tx.insert_sensor(make_sensor("lead")))); });
  });
  REQUIRE(leader_in_hook.wait(std::chrono::seconds(60)));

  std::vector<outcome> got(followers, outcome::ok);
  std::vector<std::vector<event>> returned(followers);
  std::vector<std::thread> threads;
  for (int i = 0; i < followers; ++i) {
    threads.emplace_back([&, i] {
      try {
        returned[i] = repo.write([&](write_tx& tx) {
          const reading l = tx.insert_reading(make_reading(owner.id, i));
          tx.append(created(l));
          switch (kind_of(i)) {
            case outcome::thrown:
              throw injected_failure();  // after its row and its event
            case outcome::not_found:
              tx.delete_reading(999999);
              break;
            case outcome::constraint:
              tx.insert_reading(make_reading(888888, 0));  // no such sensor
              break;
            case outcome::ok:
              break;
          }
        });
      } catch (const injected_failure&) {
        got[i] = outcome::thrown;
      } catch (const error& e) {
        got[i] = e.code() == errc::not_found ? outcome::not_found
                 : e.code() == errc::storage ? outcome::constraint
                                             : outcome::ok;
      }
    });
  }
  leader.join();
  for (auto& t : threads) t.join();
  CHECK(all_queued.load());

  const sqlite_write_stats after = repo.write_stats();
  CHECK(after.transactions - before.transactions == 2);  // the leader's, then all followers'
  CHECK(after.writes - before.writes == followers + 1);

  int ok = 0;
  std::set<std::uint64_t> returned_seqs;
  for (int i = 0; i < followers; ++i) {
    CHECK(got[i] == kind_of(i));
    if (kind_of(i) == outcome::ok) {
      ++ok;
      REQUIRE(returned[i].size() == 1);
      returned_seqs.insert(returned[i][0].seq);
    } else {
      CHECK(returned[i].empty());
    }
  }
  // Seqs stay dense across the failed savepoints and in commit order.
  const std::uint64_t total = 2 + static_cast<std::uint64_t>(ok);
  CHECK(repo.last_seq() == total);
  CHECK(stored_seqs(repo) == one_to(total));
  const std::vector<std::uint64_t> dense = one_to(total);
  CHECK(log.flat() == std::vector<std::uint64_t>(dense.begin() + 1, dense.end()));
  REQUIRE(log.calls.size() == 2);  // one hook call per group
  CHECK(log.calls[1].size() == static_cast<std::size_t>(ok));
  CHECK(std::set<std::uint64_t>(log.calls[1].begin(), log.calls[1].end()) == returned_seqs);
  // Only the readings of the writes that succeeded remain.
  reading_query q;
  q.limit = 1000;
  CHECK(repo.list_readings(q).size() == static_cast<std::size_t>(ok));
}

TEST_CASE("many concurrent writers: every row, every seq once, dense and in commit order") {
  temp_dir dir;
  sqlite_repository repo(file_options(dir.file("many.db")));
  hook_log log;
  repo.set_commit_hook([&](const std::vector<event>& evs) { log.add(evs); });

  constexpr int writers = 8;
  constexpr int per_writer = 60;
  std::vector<std::vector<std::uint64_t>> returned(writers);
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < per_writer; ++i) {
        try {
          const auto evs = repo.write([&](write_tx& tx) {
            const sensor s = tx.insert_sensor(make_sensor("w" + std::to_string(w)));
            tx.append(created(s));
            const reading l = tx.insert_reading(make_reading(s.id, i));
            tx.append(created(l));
            if (i % 7 == 3) throw injected_failure();
          });
          REQUIRE(evs.size() == 2);
          CHECK(evs[1].seq == evs[0].seq + 1);  // one write's events are contiguous
          for (const event& e : evs) returned[w].push_back(e.seq);
        } catch (const injected_failure&) {
          ++failed;
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  const int succeeded = writers * per_writer - failed.load();
  const auto total = static_cast<std::uint64_t>(2 * succeeded);
  CHECK(repo.last_seq() == total);
  CHECK(stored_seqs(repo) == one_to(total));
  CHECK(log.flat() == one_to(total));  // published once each, ascending
  std::vector<std::uint64_t> all;
  for (const auto& r : returned) all.insert(all.end(), r.begin(), r.end());
  std::sort(all.begin(), all.end());
  CHECK(all == one_to(total));
  sensor_query q;
  q.limit = 100000;
  CHECK(repo.list_sensors(q).size() == static_cast<std::size_t>(succeeded));
  const sqlite_write_stats stats = repo.write_stats();
  CHECK(stats.writes == static_cast<std::uint64_t>(writers * per_writer));
  CHECK(stats.transactions <= stats.writes);
  CHECK(stats.queued == 0);
}

TEST_CASE("a lone writer runs one transaction per write") {
  temp_dir dir;
  sqlite_repository repo(file_options(dir.file("lone.db")));
  for (int i = 0; i < 5; ++i) {
    repo.write([&](write_tx& tx) { tx.append(created(tx.insert_sensor(make_sensor("t")))); });
  }
  CHECK_THROWS_AS(repo.write([](write_tx&) { throw injected_failure(); }), injected_failure);
  const sqlite_write_stats stats = repo.write_stats();
  CHECK(stats.transactions == 6);
  CHECK(stats.writes == 6);
  CHECK(stored_seqs(repo) == one_to(5));
}

TEST_CASE("a write from inside a write or the commit hook fails instead of waiting for itself") {
  temp_dir dir;
  sqlite_repository repo(file_options(dir.file("nested.db")));
  const auto nested = [&] { repo.write([](write_tx&) {}); };

  std::atomic<int> code{-1};
  CHECK_THROWS_AS(repo.write([&](write_tx&) {
    try {
      nested();
    } catch (const error& e) {
      code = static_cast<int>(e.code());
      throw;
    }
  }),
                  error);
  CHECK(code.load() == static_cast<int>(errc::storage));

  code = -1;
  repo.set_commit_hook([&](const std::vector<event>&) {
    try {
      nested();
    } catch (const error& e) {
      code = static_cast<int>(e.code());
    }
  });
  repo.write([&](write_tx& tx) { tx.append(created(tx.insert_sensor(make_sensor("t")))); });
  CHECK(code.load() == static_cast<int>(errc::storage));
  CHECK(repo.last_seq() == 1);
}

TEST_CASE("a group takes at most 256 writes, the rest follow in order in the next group") {
  temp_dir dir;
  sqlite_repository repo(file_options(dir.file("bounded.db")));
  constexpr int writers = 300;
  hook_log log;
  gate leader_in_hook;
  std::atomic<bool> held{false};
  std::atomic<bool> all_queued{false};
  repo.set_commit_hook([&](const std::vector<event>& evs) {
    log.add(evs);
    if (!held.exchange(true)) {
      leader_in_hook.open();
      all_queued = wait_until([&] { return repo.write_stats().queued == writers; },
                              std::chrono::seconds(60));
    }
  });
  const auto add = [&] {
    repo.write([&](write_tx& tx) { tx.append(created(tx.insert_sensor(make_sensor("t")))); });
  };
  std::thread leader(add);
  REQUIRE(leader_in_hook.wait(std::chrono::seconds(60)));
  std::vector<std::thread> threads;
  for (int i = 0; i < writers; ++i) threads.emplace_back(add);
  leader.join();
  for (auto& t : threads) t.join();
  CHECK(all_queued.load());

  const sqlite_write_stats stats = repo.write_stats();
  CHECK(stats.transactions == 3);
  CHECK(stats.writes == writers + 1);
  REQUIRE(log.calls.size() == 3);
  CHECK(log.calls[1].size() == 256);
  CHECK(log.calls[2].size() == writers - 256);
  CHECK(log.flat() == one_to(writers + 1));
  CHECK(stored_seqs(repo) == one_to(writers + 1));
}

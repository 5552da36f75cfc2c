// SPDX-License-Identifier: MIT
// The PostgreSQL repository as a cluster sees it (SPEC §12): several
// repositories ("nodes") on one real database — one dense, commit-ordered
// seq; every node's commit hook gets every event once, in order; a rollback
// leaves no gap; a database restart loses nothing. The behaviour both
// engines share is tested for both in test_sqlite_repository.cpp.
#include <doctest/doctest.h>

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/hub.hpp"
#include "sensorhub/postgres_repository.hpp"
#include "support/child_process.hpp"
#include "support/pg_test_db.hpp"

using namespace sensorhub;
using namespace std::chrono_literals;

namespace {

// A cluster of this test's own (scripts/pg-cluster.sh), which it may stop
// and start without disturbing the other pg tests.
class own_cluster {
 public:
  own_cluster() {
    char tmpl[] = "/tmp/sensorhub-pg-own-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
    const auto r = script("start");
    uri_ = sensorhub::testing::read_text_file(dir_ + "/uri");
    while (!uri_.empty() && (uri_.back() == '\n' || uri_.back() == '\r')) uri_.pop_back();
    if (r.status != 0 || uri_.empty()) {
      script("stop");
      throw std::runtime_error("pg-cluster.sh start failed: " + r.output);
    }
  }
  ~own_cluster() {
    try {
      script("stop");
    } catch (...) {
    }
  }
  own_cluster(const own_cluster&) = delete;
  own_cluster& operator=(const own_cluster&) = delete;

  const std::string& uri() const { return uri_; }
  void stop_server() { REQUIRE(script("down").status == 0); }  // immediate: a crash
  void start_server() { REQUIRE(script("up").status == 0); }

 private:
  sensorhub::testing::command_result script(const char* cmd) {
    return sensorhub::testing::run_command(
        {"/bin/sh", SENSORHUB_SOURCE_DIR "/scripts/pg-cluster.sh", cmd, dir_},
        std::chrono::seconds(180));
  }
  std::string dir_;
  std::string uri_;
};

postgres_options node_options(const std::string& uri) {
  postgres_options o;
  o.uri = uri;
  o.read_connections = 2;
  o.poll_interval = 100ms;
  o.max_backoff = 500ms;
  o.log = null_log_sink();
  return o;
}

// What one node's commit hook saw.
struct hook_log {
  std::mutex m;
  std::vector<std::uint64_t> seqs;
  std::vector<std::string> names;

  void attach(repository& repo) {
    repo.set_commit_hook([this](const std::vector<event>& evs) {
      std::lock_guard<std::mutex> lk(m);
      for (const event& e : evs) {
        seqs.push_back(e.seq);
        names.push_back(e.name);
      }
    });
  }
  std::vector<std::uint64_t> snapshot() {
    std::lock_guard<std::mutex> lk(m);
    return seqs;
  }
  // Waits (generously: sanitizers, a loaded machine) until `last` arrived.
  bool wait_for(std::uint64_t last) {
    for (int i = 0; i < 600; ++i) {
      {
        std::lock_guard<std::mutex> lk(m);
        if (!seqs.empty() && seqs.back() >= last) return true;
      }
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
};

std::uint64_t write_system(repository& repo, const std::string& name) {
  system_change c;
  c.name = name;
  const auto evs = repo.write([&](write_tx& tx) { tx.append(c); });
  REQUIRE(evs.size() == 1);
  return evs[0].seq;
}

sensor add_sensor(repository& repo, const std::string& tipo) {
  sensor out;
  repo.write([&](write_tx& tx) {
    sensor s;
    s.tipo = tipo;
    s.modelo = "DHT22";
    s.created_at = s.updated_at = now();
    out = tx.insert_sensor(s);
    entity_change c;
    c.type = event_type::created;
    c.data = out;
    c.tipo = out.tipo;
    tx.append(c);
  });
  return out;
}

// seqs must be exactly first, first+1, ..., last.
void check_dense(const std::vector<std::uint64_t>& seqs, std::uint64_t first, std::uint64_t last) {
  REQUIRE(seqs.size() == last - first + 1);
  for (std::size_t i = 0; i < seqs.size(); ++i) {
    if (seqs[i] != first + i) {
      FAIL("seq " << seqs[i] << " at position " << i << ", expected " << first + i);
    }
  }
}

}  // namespace

TEST_CASE("two nodes on one database: one dense seq, every event to both hooks once and in order") {
  const std::string uri = sensorhub::testing::pg_fresh_database();
  postgres_repository a(node_options(uri));
  postgres_repository b(node_options(uri));
  hook_log seen_a;
  hook_log seen_b;
  seen_a.attach(a);
  seen_b.attach(b);
  const std::uint64_t start = a.last_seq();

  constexpr int writers_per_node = 3;
  constexpr int writes_each = 60;
  std::mutex m;
  std::vector<std::uint64_t> acked;
  std::vector<std::thread> threads;
  for (int t = 0; t < 2 * writers_per_node; ++t) {
    repository& node = t % 2 == 0 ? static_cast<repository&>(a) : b;
    threads.emplace_back([&, t, &node = node] {
      for (int i = 0; i < writes_each; ++i) {
        // Sensors and system events, one and two events per transaction.
        std::vector<event> evs;
        if (i % 3 == 0) {
          evs = node.write([&](write_tx& tx) {
            system_change c;
            c.name = "w" + std::to_string(t);
            tx.append(c);
            tx.append(c);
          });
        } else {
          sensor s = add_sensor(node, "temperatura");
          (void)s;
          continue;
        }
        std::lock_guard<std::mutex> lk(m);
        for (const event& e : evs) acked.push_back(e.seq);
      }
    });
  }
  for (auto& th : threads) th.join();
  const std::uint64_t total =
      2 * writers_per_node * (writes_each / 3 * 2 + (writes_each - writes_each / 3));
  const std::uint64_t last = start + total;
  REQUIRE(seen_a.wait_for(last));
  REQUIRE(seen_b.wait_for(last));
  CHECK(a.last_seq() == last);  // once its tail has seen b's last commit
  CHECK(b.last_seq() == last);
  const auto sa = seen_a.snapshot();
  const auto sb = seen_b.snapshot();
  check_dense(sa, start + 1, last);
  CHECK(sa == sb);
  // The stored log is the same dense sequence.
  event_query q;
  q.since = start;
  q.limit = 100000;
  const auto stored = a.events(q);
  std::vector<std::uint64_t> stored_seqs;
  for (const event& e : stored) stored_seqs.push_back(e.seq);
  check_dense(stored_seqs, start + 1, last);
  // Every acknowledged seq is among them, once.
  std::set<std::uint64_t> unique(acked.begin(), acked.end());
  CHECK(unique.size() == acked.size());
  CHECK(*unique.rbegin() <= last);
}

TEST_CASE("a write returns once its own node's hook has its events") {
  const std::string uri = sensorhub::testing::pg_fresh_database();
  postgres_repository a(node_options(uri));
  hook_log seen;
  seen.attach(a);
  for (int i = 0; i < 20; ++i) {
    const std::uint64_t seq = write_system(a, "x");
    const auto got = seen.snapshot();
    REQUIRE(!got.empty());
    CHECK(got.back() == seq);
  }
}

TEST_CASE("a write that fails leaves no gap in seq, alone or in a group") {
  const std::string uri = sensorhub::testing::pg_fresh_database();
  postgres_repository a(node_options(uri));
  const std::uint64_t first = write_system(a, "before");
  CHECK_THROWS_AS(a.write([](write_tx& tx) {
    system_change c;
    c.name = "doomed";
    tx.append(c);
    throw std::runtime_error("injected");
  }),
                  std::runtime_error);
  CHECK_THROWS_AS(a.write([](write_tx& tx) {
    tx.delete_sensor(999999);  // not found: the write fails, nothing kept
  }),
                  error);
  const std::uint64_t second = write_system(a, "after");
  CHECK(second == first + 1);

  // Concurrent writes, every third fails: the survivors' seqs stay dense.
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  const std::uint64_t before = a.last_seq();
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; ++i) {
        try {
          a.write([&](write_tx& tx) {
            system_change c;
            c.name = "g";
            tx.append(c);
            if ((t + i) % 3 == 0) throw std::runtime_error("injected");
          });
        } catch (const std::runtime_error&) {
          ++failed;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  event_query q;
  q.since = before;
  q.limit = 1000;
  const auto stored = a.events(q);
  std::vector<std::uint64_t> seqs;
  for (const event& e : stored) {
    seqs.push_back(e.seq);
    CHECK(e.name == "g");
  }
  check_dense(seqs, before + 1, before + 120 - static_cast<std::uint64_t>(failed.load()));
  CHECK(failed.load() == 40);
}

TEST_CASE("a node opened later sees the committed history through events() and snapshot()") {
  const std::string uri = sensorhub::testing::pg_fresh_database();
  std::uint64_t last = 0;
  {
    postgres_repository a(node_options(uri));
    add_sensor(a, "temperatura");
    add_sensor(a, "humedad");
    last = write_system(a, "done");
  }
  postgres_repository b(node_options(uri));
  CHECK(b.last_seq() == last);
  const state_snapshot snap = b.snapshot(channel::sensors, event_filter{});
  CHECK(snap.seq == last);
  CHECK(snap.data_json.find("humedad") != std::string::npos);
  event_query q;
  q.channels = {channel::sensors};
  q.limit = 10;
  CHECK(b.events(q).size() == 2);
  bool ready = false;  // once its tail has connected and polled
  for (int i = 0; i < 200 && !ready; ++i) {
    ready = b.ready();
    if (!ready) std::this_thread::sleep_for(50ms);
  }
  CHECK(ready);
}

TEST_CASE(
    "a database restart: not ready while down, then writes and the tail resume, nothing lost") {
  if (!sensorhub::testing::pg_server_binaries_available()) return;  // SENSORHUB_TEST_PG_URI only
  own_cluster cluster;  // stopped below: not shared with other tests
  postgres_repository a(node_options(cluster.uri()));
  postgres_repository b(node_options(cluster.uri()));
  hook_log seen_b;
  seen_b.attach(b);
  const std::uint64_t start = a.last_seq();
  write_system(a, "one");
  REQUIRE(seen_b.wait_for(start + 1));

  cluster.stop_server();
  bool down_seen = false;
  for (int i = 0; i < 100 && !down_seen; ++i) {
    down_seen = !a.ready();
    if (!down_seen) std::this_thread::sleep_for(100ms);
  }
  CHECK(down_seen);
  CHECK_THROWS_AS(write_system(a, "lost"), error);  // not acknowledged: fine to fail
  cluster.start_server();

  // Writes work again (the first may still meet a dying connection).
  std::uint64_t two = 0;
  for (int i = 0; i < 100 && two == 0; ++i) {
    try {
      two = write_system(a, "two");
    } catch (const error&) {
      std::this_thread::sleep_for(100ms);
    }
  }
  REQUIRE(two == start + 2);  // the failed write took no seq
  const std::uint64_t three = write_system(b, "three");
  CHECK(three == start + 3);
  REQUIRE(seen_b.wait_for(three));
  check_dense(seen_b.snapshot(), start + 1, three);
  bool ready = false;
  for (int i = 0; i < 100 && !ready; ++i) {
    ready = a.ready() && b.ready();
    if (!ready) std::this_thread::sleep_for(100ms);
  }
  CHECK(ready);
}

TEST_CASE("two hubs on one database: events_published and last_seq are cluster-wide") {
  const std::string uri = sensorhub::testing::pg_fresh_database();
  hub_options o;
  o.postgres = node_options(uri);
  o.logger = null_log_sink();
  o.node = "a";
  hub a(o);
  a.start();  // server_started of a: seq 1, before b exists
  o.node = "b";
  hub b(o);
  b.start();
  sensor_patch p;
  p.tipo = "temperatura";
  p.modelo = "DHT22";
  for (int i = 0; i < 5; ++i) a.sensors().create(p);
  const std::uint64_t last = a.repo().last_seq();
  CHECK(last == 7);  // two server_started, five creates
  bool same = false;
  for (int i = 0; i < 200 && !same; ++i) {
    const hub_stats sa = a.stats();
    const hub_stats sb = b.stats();
    same = sa.last_seq == last && sb.last_seq == last && sa.events_published == last &&
           sb.events_published == last;
    if (!same) std::this_thread::sleep_for(50ms);
  }
  CHECK(same);
  // b's system events name b, and reach a's general subscribers.
  event_query q;
  q.channels = {channel::general};
  q.limit = 10;
  const auto general = a.events(q);
  REQUIRE(general.size() == 2);
  CHECK(general[0].json->find("\"node\":\"a\"") != std::string::npos);
  CHECK(general[1].json->find("\"node\":\"b\"") != std::string::npos);
}

// SPDX-License-Identifier: MIT
// End-to-end, SPEC §12: three real sensorhubd nodes on one fresh PostgreSQL
// database are one service. Writers spread over every node, WebSocket
// subscribers on every node; then a node is killed with SIGKILL, or the
// database server restarts, mid-run. Every subscriber ends with every event
// exactly once, seq ascending by 1 with no gap, the same sequence as every
// other subscriber and as the history; every acknowledged write is there.
// Each test gets a fresh database on the pg fixture's cluster
// (pg_fresh_database); the database-restart test runs a cluster of its own.
// Sizes: env SENSORHUB_PG_NODES_OPS (creates per writer, default 150).

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nodes_util.hpp"

using namespace sensorhub::e2e;
using namespace sensorhub::e2e::nodes;

namespace {

constexpr int writers = 3;

int ops_per_writer() {
  const char* v = std::getenv("SENSORHUB_PG_NODES_OPS");
  const int n = v != nullptr ? std::atoi(v) : 0;
  return n > 0 ? n : 150;
}

// Three nodes "a", "b", "c" on `uri`, each ready, and two followers per
// node: one resuming from seq 0 (replay, then live) and one from the
// cluster-wide last_seq at the moment it connects. A follower fails over to
// the next node of the list when its node goes away.
struct three_nodes {
  std::vector<std::unique_ptr<daemon_process>> nodes;
  std::vector<std::unique_ptr<follower>> followers;
  std::vector<std::int64_t> since;  // per follower
  std::vector<std::size_t> home;    // per follower: the node it starts on

  explicit three_nodes(const std::string& uri) {
    for (const char* name : {"a", "b", "c"}) nodes.push_back(start_node(uri, name));
    for (auto& n : nodes) {
      INFO("node on port " << n->port());
      REQUIRE(wait_until([&] { return ready(n->http()); }, 120s));
    }
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      std::vector<node_address> order;  // this node first, then the others
      for (std::size_t k = 0; k < nodes.size(); ++k)
        order.push_back(address_of(*nodes[(i + k) % nodes.size()]));
      const json_doc stats = nodes[i]->http().get("/api/v1/ws/stats").json();
      const std::int64_t live_from = stats["last_seq"].i64().value_or(-1);
      REQUIRE(live_from >= 0);
      for (const std::int64_t s : {std::int64_t{0}, live_from}) {
        followers.push_back(std::make_unique<follower>(order, 0, s));
        since.push_back(s);
        home.push_back(i);
      }
    }
    for (auto& f : followers) REQUIRE(f->wait_connected(60s));
  }

  std::vector<http_client> clients() const {
    std::vector<http_client> out;
    for (const auto& n : nodes)
      if (n->running()) out.push_back(n->http());
    return out;
  }
};

// Runs the writers over every node; `disrupt` is called once a third of the
// writes are acknowledged (while the writers go on). Returns how many were
// acknowledged when the disruption began.
template <typename Disrupt>
int write_through(const std::vector<http_client>& targets, write_log& log, Disrupt disrupt) {
  const int ops = ops_per_writer();
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, w] { run_writer(targets, w, ops, log); });
  const bool reached = wait_until([&] { return log.acked.load() >= writers * ops / 3; }, 300s);
  const int before = log.acked.load();
  std::exception_ptr failed;
  try {
    disrupt();
  } catch (...) {
    failed = std::current_exception();  // after the writers are joined
  }
  for (auto& t : threads) t.join();
  if (failed) std::rethrow_exception(failed);
  CHECK(reached);
  MESSAGE(log.acked.load() << " writes acknowledged, " << log.retries.load() << " retried");
  std::lock_guard<std::mutex> lk(log.m);
  for (const auto& f : log.failures) MESSAGE("writer: " << f);
  CHECK(log.failures.empty());
  CHECK(log.acked.load() == writers * ops);
  return before;
}

// The accounting at the end: the history is dense, every follower holds
// exactly the history after its since, every node's stats reach the last
// seq, every acknowledged write is there.
void verify(three_nodes& t, write_log& log) {
  const std::vector<http_client> live = t.clients();
  REQUIRE(!live.empty());
  std::vector<seen_event> hist = history(live.front());
  REQUIRE(!hist.empty());
  CHECK(history_gap(hist) == "");
  const std::int64_t last = hist.back().seq;
  const auto deadline = std::chrono::steady_clock::now() + 180s;
  for (auto& f : t.followers) {
    const auto left = deadline - std::chrono::steady_clock::now();
    f->wait_seq(last, std::max(std::chrono::milliseconds(1),
                               std::chrono::duration_cast<std::chrono::milliseconds>(left)));
  }
  for (auto& f : t.followers) f->stop();
  hist = history(live.front());  // again: anything newer the followers saw is in it now
  CHECK(history_gap(hist) == "");
  for (std::size_t i = 0; i < t.followers.size(); ++i) {
    const follower& f = *t.followers[i];
    INFO("follower " << i << " (node " << t.home[i] << ", since " << t.since[i] << ", "
                     << f.connections() << " connection(s))");
    for (const auto& p : f.problems()) MESSAGE(p);
    CHECK(f.problems().empty());
    CHECK(stream_mismatch(f.events(), hist, t.since[i], last) == "");
  }
  for (const auto& h : live) {
    CHECK(wait_until(
        [&] { return h.get("/api/v1/ws/stats").json()["last_seq"].i64().value_or(0) >= last; },
        60s));
  }
  check_acknowledged(live, log, hist);
  for (const auto& n : t.nodes) {
    if (n->running()) CHECK(healthy(*n));
  }
}

}  // namespace

TEST_CASE("pg nodes: writes on every node reach every node's subscribers once, in seq order") {
  three_nodes t(pg_fresh_database());
  write_log log;
  write_through(t.clients(), log, [] {});
  verify(t, log);
  // Connections are counted per node: each node holds its own two followers
  // (the verify above stopped them, so count while a fresh one is open).
  follower extra({address_of(*t.nodes[1])}, 0, -1);
  REQUIRE(extra.wait_connected());
  const auto connections = [&](std::size_t n) {
    return t.nodes[n]->http().get("/api/v1/ws/stats").json()["total_connections"].i64();
  };
  CHECK(wait_until([&] { return connections(1) == 1 && connections(0) == 0; }, 30s));
  CHECK(connections(1) == 1);
  CHECK(connections(0) == 0);
}

TEST_CASE("pg nodes: a node killed with SIGKILL mid-run loses nothing, its subscribers resume") {
  three_nodes t(pg_fresh_database());
  write_log log;
  const int before = write_through(t.clients(), log, [&] { t.nodes[2]->kill9(); });
  CHECK(before < writers * ops_per_writer());  // mid-run: writes went on after the kill
  verify(t, log);
  // The killed node's followers had to move to another node.
  for (std::size_t i = 0; i < t.followers.size(); ++i) {
    if (t.home[i] == 2) CHECK(t.followers[i]->connections() >= 2);
  }

  // Back on the same database: it catches up, and a resume there from 0
  // holds the whole history (its own new server_started included).
  t.nodes[2]->restart();
  REQUIRE(wait_until([&] { return ready(t.nodes[2]->http()); }, 120s));
  std::vector<seen_event> hist;
  CHECK(wait_until(
      [&] {
        hist = history(t.nodes[0]->http());
        return std::count_if(hist.begin(), hist.end(), [](const seen_event& e) {
                 return e.key == "system_event server_started c";
               }) == 2;  // its first start and this one
      },
      60s));
  CHECK(history_gap(hist) == "");
  follower again({address_of(*t.nodes[2])}, 0, 0);
  CHECK(again.wait_seq(hist.back().seq, 120s));
  again.stop();
  CHECK(stream_mismatch(again.events(), hist, 0, hist.back().seq) == "");
  CHECK(healthy(*t.nodes[2]));
}

TEST_CASE("pg nodes: the database restarted mid-run, writes retried, every node ready again") {
  pg_cluster db;
  three_nodes t(db.uri());
  write_log log;
  std::atomic<bool> outage_over{false};
  std::atomic<int> not_ready_seen{0};
  std::thread watcher;
  const int before = write_through(t.clients(), log, [&] {
    // Watch /readyz of every node through the outage (for the record).
    watcher = std::thread([&outage_over, &not_ready_seen, targets = t.clients()] {
      while (!outage_over.load()) {
        for (const auto& h : targets)
          if (!ready(h)) not_ready_seen.fetch_add(1);
        std::this_thread::sleep_for(50ms);
      }
    });
    CHECK(db.restart());
    for (auto& n : t.nodes) {
      INFO("node on port " << n->port() << " after the database restart");
      CHECK(wait_until([&] { return ready(n->http()); }, 180s));
    }
    outage_over.store(true);
  });
  watcher.join();
  CHECK(before < writers * ops_per_writer());  // mid-run: writes went on through the outage
  for (const auto& f : t.followers) MESSAGE("follower connections: " << f->connections());
  MESSAGE("/readyz answered not ready " << not_ready_seen.load() << " time(s) during the outage");
  verify(t, log);
  for (auto& n : t.nodes) CHECK(ready(n->http()));
}

TEST_CASE("pg nodes: a node's system events reach another node's general subscribers") {
  const std::string uri = pg_fresh_database();
  auto b = start_node(uri, "b");
  REQUIRE(wait_until([&] { return ready(b->http()); }, 120s));
  follower on_b({address_of(*b)}, 0, -1, "channel=general");
  REQUIRE(on_b.wait_connected());

  auto a = start_node(uri, "a");
  CHECK(on_b.wait_key("system_event server_started a", 120s));
  REQUIRE(wait_until([&] { return ready(a->http()); }, 120s));
  a->terminate();
  const auto status = a->wait_exit(60s);
  REQUIRE(status.has_value());
  CHECK(a->poll_exit() == "exit 0");
  CHECK(a->sanitizer_report() == "");
  CHECK(on_b.wait_key("system_event server_stopping a", 120s));
  on_b.stop();
  for (const auto& p : on_b.problems()) MESSAGE(p);

  // Both are in the history with their seq, each node's named.
  const std::vector<seen_event> hist = history(b->http());
  std::vector<std::string> keys;
  std::string listed;
  for (const auto& e : hist) {
    keys.push_back(e.key);
    listed += std::to_string(e.seq) + " " + e.key + "; ";
  }
  INFO("history: " << listed);
  CHECK(history_gap(hist) == "");
  CHECK(std::count(keys.begin(), keys.end(), "system_event server_started b") == 1);
  CHECK(std::count(keys.begin(), keys.end(), "system_event server_started a") == 1);
  CHECK(std::count(keys.begin(), keys.end(), "system_event server_stopping a") == 1);
  CHECK(healthy(*b));
}

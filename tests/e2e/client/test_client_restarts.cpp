// SPDX-License-Identifier: MIT
// End-to-end: sensorhub::client through ten daemon restarts (SIGTERM and
// SIGKILL alternating, same port and database) while a writer keeps
// writing: every acknowledged write's event arrives exactly once, in seq
// order, and the delivered stream is the daemon's persisted history.

#include <atomic>
#include <set>
#include <thread>

#include "client_e2e.hpp"

using namespace sensorhub::e2e;

TEST_CASE("a client stays subscribed through 10 restarts and misses nothing, twice nothing") {
  daemon_process d;
  sc::client_options o;
  o.url = url_of(d);
  o.channels = {"sensors"};
  o.backoff.initial = std::chrono::milliseconds(20);
  o.backoff.max = std::chrono::milliseconds(250);
  o.ping_interval = std::chrono::milliseconds(500);
  recorder rec;  // outlives the client: its callbacks run until c stops
  sc::client c(o);
  rec.attach(c);
  c.start();
  REQUIRE(wait_until([&] { return c.state() == sc::connection_state::open; },
                     std::chrono::seconds(30)));

  // The writer: one sensor at a time; a 201 is an acknowledged write. While
  // the daemon is down the requests fail and it tries again.
  std::atomic<bool> stop_writing{false};
  std::mutex acked_mu;
  std::vector<std::int64_t> acked;  // sensor ids answered 201
  std::atomic<std::size_t> acked_count{0};
  std::atomic<int> other_statuses{0};
  // Its own copy of the address (the port stays; daemon_process is not
  // thread-safe and is restarted meanwhile).
  const http_client to_daemon = d.http();
  std::thread writer([&, to_daemon] {
    int i = 0;
    while (!stop_writing.load()) {
      try {
        const http_response r =
            to_daemon.post("/api/v1/sensores/",
                           "{\"tipo\":\"restart\",\"modelo\":\"m" + std::to_string(i++) + "\"}");
        if (r.status == 201) {
          const auto id = r.json()["id"].i64();
          std::lock_guard<std::mutex> lock(acked_mu);
          acked.push_back(id.value_or(-1));
          acked_count.store(acked.size());
        } else if (r.status != 503) {
          other_statuses.fetch_add(1);
        }
      } catch (const std::exception&) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));  // down: try again
      }
    }
  });

  constexpr std::size_t per_round = 15;
  std::size_t at_restart = 0;  // acknowledged before the current daemon started
  for (int round = 0; round < 10; ++round) {
    // Writes acknowledged by this daemon, whose events the client got over
    // a connection to it.
    const std::size_t want = at_restart + per_round;
    REQUIRE(wait_until([&] { return acked_count.load() >= want; }, std::chrono::seconds(60)));
    // The client is back and live in this round: it got the newest
    // acknowledged write (so each restart below cuts a live subscription).
    std::int64_t newest = 0;
    {
      std::lock_guard<std::mutex> lock(acked_mu);
      newest = acked.back();
    }
    REQUIRE(wait_until(
        [&] {
          for (const auto& e : rec.events())
            if (e.event_type == "created" && e.entity_id == newest) return true;
          return false;
        },
        std::chrono::seconds(60)));
    if (round % 2 == 0) {
      d.terminate();
      REQUIRE(d.wait_exit(std::chrono::seconds(30)).has_value());
    } else {
      d.kill9();
    }
    restart_same_port(d);
    at_restart = acked_count.load();
  }
  REQUIRE(wait_until([&] { return acked_count.load() >= at_restart + per_round; },
                     std::chrono::seconds(60)));
  stop_writing = true;
  writer.join();
  CHECK(other_statuses.load() == 0);

  // Every persisted sensor event (acknowledged or committed just before a
  // kill) must reach the client.
  const std::vector<std::int64_t> history = history_seqs(d.http(), "sensors");
  REQUIRE(!history.empty());
  const bool caught_up = wait_until([&] { return c.last_seq().value_or(0) >= history.back(); },
                                    std::chrono::seconds(60));
  CHECK(caught_up);
  c.stop();

  std::vector<std::int64_t> seqs;
  std::multiset<std::int64_t> created_ids;
  for (const auto& e : rec.events()) {
    REQUIRE(e.kind == sc::event_kind::entity);
    seqs.push_back(e.seq.value_or(0));
    if (e.event_type == "created") created_ids.insert(e.entity_id);
  }
  CHECK(seqs == history);  // the whole history, in order, once
  for (std::size_t i = 1; i < seqs.size(); ++i) REQUIRE(seqs[i] > seqs[i - 1]);
  {
    std::lock_guard<std::mutex> lock(acked_mu);
    INFO(acked.size() << " acknowledged, " << seqs.size() << " delivered");
    for (const auto id : acked) CHECK(created_ids.count(id) == 1);
  }
  // Ten reconnects, each resumed with since.
  std::string states;
  for (const auto s : rec.states()) states += std::string(sc::to_string(s)) + " ";
  INFO("states: " << states);
  CHECK(rec.count_states(sc::connection_state::resumed) >= 10);
  CHECK(healthy(d));
}

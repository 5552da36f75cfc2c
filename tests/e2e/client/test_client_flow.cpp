// SPDX-License-Identifier: MIT
// End-to-end: sensorhub::client's conflation, filters and liveness against
// the real daemon.

#include <csignal>
#include <map>

#include "client_e2e.hpp"

using namespace sensorhub::e2e;

TEST_CASE("a conflating client that falls behind ends with every sensor's latest reading") {
  constexpr int sensor_count = 10;
  constexpr int total = 40000;  // ~10 MB of events: far more than the socket buffers hold
  constexpr int per_batch = 2000;
  daemon_process d;
  const auto h = d.http();
  std::vector<std::int64_t> sensors;
  for (int i = 0; i < sensor_count; ++i) sensors.push_back(create_sensor(h));

  sc::client_options o;
  o.url = url_of(d);
  o.channels = {"readings"};
  o.conflate = true;
  o.queue_capacity = 4;  // nobody reads while writing: the network thread waits, the daemon queues
  sc::client c(o);
  c.start();
  REQUIRE(wait_until([&] { return c.state() == sc::connection_state::open; },
                     std::chrono::seconds(30)));

  std::map<std::int64_t, std::int64_t> want;  // sensor -> its last reading id
  for (int start = 0; start < total; start += per_batch) {
    std::string body = "[";
    for (int i = start; i < start + per_batch; ++i) {
      body += (i == start ? "" : ",");
      body += "{\"sensor_id\":" + std::to_string(sensors[i % sensor_count]) +
              ",\"valor\":" + std::to_string(i) + ",\"unidad\":\"padding-padding-padding\"}";
    }
    body += "]";
    const http_response r = h.post("/api/v1/lecturas/batch", body);
    REQUIRE(r.status == 201);
    const std::int64_t first = r.json()["first_id"].i64().value_or(0);
    for (int i = start; i < start + per_batch; ++i)
      want[sensors[i % sensor_count]] = first + (i - start);
  }

  std::map<std::int64_t, std::int64_t> latest;
  std::size_t events = 0;
  std::int64_t prev = 0;
  bool ascending = true;
  while (latest != want) {
    auto e = c.next_event(std::chrono::seconds(60));
    REQUIRE(e.has_value());
    if (e->kind != sc::event_kind::entity) continue;
    ascending = ascending && e->seq.value_or(0) > prev;
    prev = e->seq.value_or(0);
    ++events;
    latest[json_doc::parse(e->json)["data"]["sensor_id"].i64().value_or(0)] = e->entity_id;
  }
  CHECK(ascending);
  CHECK(events < static_cast<std::size_t>(total));  // some were replaced in the daemon
  const json_doc st = h.get("/api/v1/ws/stats").json();
  CHECK(st["channels"]["readings"]["conflated"].i64().value_or(0) > 0);
}

TEST_CASE("filters reach the daemon: only the matching sensor's events arrive") {
  daemon_process d;
  const auto h = d.http();
  const std::int64_t a = create_sensor(h, "temperatura");
  const std::int64_t b = create_sensor(h, "humedad");
  sc::client_options o;
  o.url = url_of(d);
  o.channels = {"readings"};
  o.filters = {{"sensor_id", std::to_string(b)}};
  o.queue_capacity = 100;
  sc::client c(o);
  c.start();
  REQUIRE(wait_until([&] { return c.state() == sc::connection_state::open; },
                     std::chrono::seconds(30)));
  create_reading(h, a, 1.0);
  const std::int64_t rb = create_reading(h, b, 2.0);
  auto e = c.next_event(std::chrono::seconds(30));
  REQUIRE(e.has_value());
  CHECK(e->entity_id == rb);
  CHECK(e->entity_type == "lectura");
  CHECK(e->channel == "readings");
}

TEST_CASE("a frozen daemon is a dead peer: the client replaces the connection and resumes") {
  daemon_process d;
  sc::client_options o;
  o.url = url_of(d);
  o.channels = {"sensors"};
  o.queue_capacity = 100;
  o.ping_interval = std::chrono::milliseconds(200);
  o.pong_timeout = std::chrono::milliseconds(1500);
  o.connect_timeout = std::chrono::milliseconds(1500);
  o.backoff.initial = std::chrono::milliseconds(50);
  o.backoff.max = std::chrono::milliseconds(300);
  recorder rec;  // outlives the client: its callbacks run until c stops
  sc::client c(o);
  rec.attach(c);
  c.start();
  REQUIRE(wait_until([&] { return c.state() == sc::connection_state::open; },
                     std::chrono::seconds(30)));
  const std::int64_t first = create_sensor(d.http());
  auto e1 = c.next_event(std::chrono::seconds(30));
  REQUIRE(e1.has_value());
  CHECK(e1->entity_id == first);

  d.signal(SIGSTOP);  // the TCP connection stays up, nothing answers
  const bool noticed = wait_until(
      [&] {
        for (const auto& e : rec.errors())
          if (e.kind == sc::error_kind::dead_peer) return true;
        return false;
      },
      std::chrono::seconds(60));
  d.signal(SIGCONT);
  REQUIRE(noticed);
  REQUIRE(wait_until([&] { return c.state() == sc::connection_state::resumed; },
                     std::chrono::seconds(60)));
  const std::int64_t second = create_sensor(d.http());
  auto e2 = c.next_event(std::chrono::seconds(30));
  REQUIRE(e2.has_value());
  CHECK(e2->entity_id == second);
  CHECK(healthy(d));
}

// SPDX-License-Identifier: MIT
// End-to-end: SSE streams under load against the real daemon: conflation
// (SPEC §11), the slow-consumer rule (SPEC §10: dropped queue, then
// `event: slow_consumer` and the end) and the failure proof: a reader that
// reconnects with Last-Event-ID through SIGTERM and SIGKILL restarts, while
// a writer keeps writing, receives every committed event exactly once, in
// seq order.

#include <atomic>
#include <fstream>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "sse_util.hpp"

using namespace sensorhub::e2e;

namespace {

// A batch of `n` readings round-robin over `sensors` (padding makes them big).
std::string batch_body(const std::vector<std::int64_t>& sensors, int start, int n) {
  std::string body = "[";
  for (int i = start; i < start + n; ++i) {
    if (i != start) body += ',';
    body += "{\"sensor_id\":" + std::to_string(sensors[i % sensors.size()]) +
            ",\"valor\":" + std::to_string(i) + ",\"unidad\":\"padding-padding-padding\"}";
  }
  return body + "]";
}

}  // namespace

TEST_CASE("a conflating stream that stops reading ends with every sensor's latest reading") {
  constexpr int sensor_count = 10;
  constexpr int total = 40000;
  constexpr int per_batch = 2000;
  daemon_process d;
  const auto h = d.http();
  std::vector<std::int64_t> sensors;
  for (int i = 0; i < sensor_count; ++i) sensors.push_back(create_sensor(h));
  sse_client c = open_sse(d, "?channel=readings&conflate=true");

  // Nobody reads while ~14 MB are written: a backlog builds in the daemon.
  std::map<std::int64_t, std::int64_t> want;  // sensor -> its last reading id
  for (int start = 0; start < total; start += per_batch) {
    const http_response r = h.post("/api/v1/lecturas/batch", batch_body(sensors, start, per_batch));
    REQUIRE(r.status == 201);
    const auto first_id = *r.json()["first_id"].i64();
    for (int i = start; i < start + per_batch; ++i)
      want[sensors[i % sensor_count]] = first_id + (i - start);
  }

  std::map<std::int64_t, std::int64_t> latest;
  std::int64_t prev = 0;
  std::size_t events = 0;
  bool ascending = true;
  while (latest != want) {
    const json_doc e = next_entity(c);
    const auto seq = *e["seq"].i64();
    ascending = ascending && seq > prev;
    prev = seq;
    ++events;
    latest[e["data"]["sensor_id"].i64().value_or(0)] = e["entity_id"].i64().value_or(0);
  }
  CHECK(ascending);
  CHECK(events < static_cast<std::size_t>(total));  // gaps: conflated
  const json_doc st = h.get("/api/v1/ws/stats").json();
  CHECK(st["channels"]["readings"]["conflated"].i64().value_or(0) > 0);
  CHECK(st["channels"]["readings"]["connections"].i64() == 1);  // still open
}

TEST_CASE("a stream that stops reading gets event: slow_consumer after what was sent, then ends") {
  temp_dir dir;
  const auto cfg = dir.path() / "backlog.json";
  std::ofstream(cfg) << R"({"limits":{"backlog_bytes":262144}})";
  daemon_process d({"--test-endpoints", "--no-auth", "--config", cfg.string()});
  const auto h = d.http();
  const std::vector<std::int64_t> sensors{create_sensor(h)};
  sse_client slow = open_sse(d, "?channel=readings");

  // Write until the daemon lets the stream go (its subscriber is gone).
  int written = 0;
  while (h.get("/api/v1/ws/stats").json()["channels"]["readings"]["connections"].i64() != 0) {
    REQUIRE(written < 200000);
    REQUIRE(h.post("/api/v1/lecturas/batch", batch_body(sensors, written, 1000)).status == 201);
    written += 1000;
  }
  // What reached the socket is a gap-free prefix of the stored events, then
  // the slow_consumer record, then the end of the stream.
  const auto stored = stored_seqs(h, "readings", 0);
  std::size_t n = 0;
  std::size_t mismatched = 0;
  std::optional<sse_record> r;
  for (;;) {
    r = slow.next_event(std::chrono::seconds(30));
    REQUIRE(r.has_value());
    if (r->event != "entity_event") break;
    if (n >= stored.size() || r->seq() != stored[n]) ++mismatched;
    ++n;
  }
  INFO(n << " events, then " << r->event << " " << r->data);
  CHECK(mismatched == 0);
  CHECK(n < stored.size());
  CHECK(r->event == "slow_consumer");
  CHECK(r->data == R"({"error":"slow_consumer"})");
  CHECK_FALSE(r->id.has_value());
  CHECK_FALSE(slow.next(std::chrono::seconds(30)).has_value());
  CHECK(healthy(d));
}

TEST_CASE(
    "reconnecting with Last-Event-ID through 10 SIGTERM and SIGKILL restarts: every event once") {
  daemon_process d;
  const std::int64_t sid = create_sensor(d.http());
  const std::string host = d.host();
  std::atomic<std::uint16_t> port{d.port()};
  std::atomic<bool> stop{false};
  std::atomic<int> acknowledged{0};
  // The writer keeps writing through the restarts (failed requests, e.g.
  // while the daemon is down, are simply retried).
  std::thread writer([&] {
    int i = 0;
    while (!stop.load()) {
      try {
        const http_response r =
            http_client(host, port.load())
                .post("/api/v1/lecturas/", "{\"sensor_id\":" + std::to_string(sid) +
                                               ",\"valor\":" + std::to_string(i++) + "}");
        if (r.status == 201) acknowledged.fetch_add(1);
      } catch (const std::exception&) {
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));  // pacing only
    }
  });

  const std::string channels = "readings,general";
  std::vector<std::int64_t> got;
  std::string last_id;
  std::size_t ended_with_stopping = 0;
  // Reads `events` events of one connection's stream, or to its end; false
  // when it ended (or failed).
  auto read_stream = [&](sse_client& c, std::size_t events, bool to_end) {
    std::size_t n = 0;
    for (;;) {
      std::optional<sse_record> r;
      try {
        r = c.next_event(std::chrono::seconds(20));
      } catch (const std::exception& e) {
        FAIL_CHECK("read failed: " << e.what());
        return false;
      }
      if (!r) return false;
      if (!r->id) continue;  // greeting, stats: no id
      got.push_back(*r->seq());
      last_id = *r->id;
      if (r->event == "system_event" &&
          json_doc::parse(r->data)["event"].str() == "server_stopping") {
        ++ended_with_stopping;
      }
      if (!to_end && ++n >= events) return true;
    }
  };
  // The same URL every time, as EventSource does: since=0 for the first
  // connection, then Last-Event-ID wins over it.
  auto connect = [&] {
    header_list hs;
    if (!last_id.empty()) hs.emplace_back("Last-Event-ID", last_id);
    return sse_client(d.host(), d.port(), std::string(sse_path) + "?since=0&channel=" + channels,
                      hs);
  };

  for (int round = 0; round < 10; ++round) {
    sse_client c = connect();
    REQUIRE(c.streaming());
    REQUIRE(read_stream(c, 30, false));
    if (round % 2 == 0) {
      d.terminate();  // server_stopping goes out, then the stream ends
      read_stream(c, 0, true);
      REQUIRE(d.wait_exit(std::chrono::seconds(10)).has_value());
    } else {
      d.kill9();  // the stream just breaks
      read_stream(c, 0, true);
    }
    d.restart();
    port.store(d.port());
  }
  while (acknowledged.load() < 50) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop.store(true);
  writer.join();

  // The last connection reads up to the newest stored event.
  const std::vector<std::int64_t> stored = stored_seqs(d.http(), channels, 0);
  REQUIRE_FALSE(stored.empty());
  {
    sse_client c = connect();
    REQUIRE(c.streaming());
    while (got.empty() || got.back() < stored.back()) REQUIRE(read_stream(c, 1, false));
  }
  CHECK(ended_with_stopping == 5);
  // Every committed event exactly once, in seq order.
  std::size_t first_diff = 0;
  while (first_diff < got.size() && first_diff < stored.size() &&
         got[first_diff] == stored[first_diff])
    ++first_diff;
  INFO("got " << got.size() << " events, stored " << stored.size() << ", first difference at "
              << first_diff);
  CHECK(got == stored);
  CHECK(acknowledged.load() > 0);
}

// SPDX-License-Identifier: MIT
// End-to-end: a subscriber that stops reading is closed with 1008 "slow
// consumer" once its backlog passes the limit, while a reading subscriber gets
// every event; peers that stop answering pings are dropped.

#include <fstream>
#include <string>
#include <vector>

#include "e2e_test_util.hpp"

using namespace sensorhub::e2e;

TEST_CASE(
    "a subscriber that stops reading is dropped (1008 slow consumer) and never slows the others") {
  // The reading subscriber paces the writer (one batch in flight at a time,
  // ~0.4 MiB), so only the one that never reads can pass the 4 MiB backlog.
  constexpr int batches = 80;
  constexpr int per_batch = 1000;
  daemon_process d;
  const auto h = d.http();
  const auto sid = create_sensor(h);
  ws_client slow = open_ws(d, "?channel=readings");
  ws_client fast = open_ws(d, "?channel=readings");

  std::string body = "[";
  for (int i = 0; i < per_batch; ++i) {
    body += (i ? ",{\"sensor_id\":" : "{\"sensor_id\":") + std::to_string(sid) +
            ",\"valor\":1.5,\"unidad\":\"padding-padding-padding-pad\"}";
  }
  body += "]";
  std::int64_t received = 0;
  std::int64_t prev = 0;
  std::vector<std::int64_t> fast_seqs;
  bool ascending = true;
  std::string problem;
  for (int b = 0; b < batches && problem.empty(); ++b) {
    const http_response r = h.post("/api/v1/lecturas/batch", body);
    REQUIRE(r.status == 201);
    for (int i = 0; i < per_batch; ++i) {
      auto m = fast.recv_json(std::chrono::seconds(30));
      if (!m) {
        problem = "reading subscriber: timeout or close (code " +
                  std::to_string(fast.close_code().value_or(-1)) + ") after " +
                  std::to_string(received);
        break;
      }
      const auto seq = (*m)["seq"].i64().value_or(0);
      ascending = ascending && seq > prev;
      prev = seq;
      fast_seqs.push_back(seq);
      ++received;
    }
  }
  INFO(problem);
  CHECK(problem.empty());
  CHECK(received == static_cast<std::int64_t>(batches) * per_batch);
  CHECK(ascending);

  // The slow one was dropped. What reached its socket is a gap-free prefix
  // of the stream (so it can resume with since=), ended by a close frame that
  // says 1008 "slow consumer" -- unless the server had to give up on the TCP
  // connection because the peer never read (the close frame cannot pass the
  // unread data): then the stream just ends.
  CHECK(wait_until([&] {
    return h.get("/api/v1/ws/stats").json()["channels"]["readings"]["connections"].i64() == 1;
  }));
  std::vector<std::string> skipped;
  const auto closed = slow.wait_close(std::chrono::seconds(30), &skipped);
  INFO("slow subscriber: " << skipped.size() << " messages, then "
                           << (closed ? "close " + std::to_string(closed->close_code.value_or(-1)) +
                                            " " + closed->payload
                                      : std::string(slow.eof() ? "EOF" : "timeout")));
  CHECK((closed.has_value() || slow.eof()));
  if (closed) {
    CHECK(closed->close_code == 1008);
    CHECK(closed->payload == "slow consumer");
  } else {
    WARN_MESSAGE(false, "the stalled subscriber never saw the 1008 close frame (TCP ended after "
                            << skipped.size() << " events)");
  }
  REQUIRE(skipped.size() <= fast_seqs.size());
  std::size_t mismatched = 0;
  for (std::size_t i = 0; i < skipped.size(); ++i) {
    if (json_doc::parse(skipped[i])["seq"].i64() != fast_seqs[i]) ++mismatched;
  }
  CHECK(mismatched == 0);
  CHECK(fast.is_open());
  CHECK(drain_until_pong(fast).empty());
  CHECK(healthy(d));
}

TEST_CASE("peers that stop answering pings are dropped (config ping_interval_s/pong_timeout_s)") {
  temp_dir probe;
  const auto cfg = probe.path() / "ping.json";
  std::ofstream(cfg) << R"({"limits":{"ping_interval_s":1,"pong_timeout_s":1}})";
  daemon_process d({"--test-endpoints", "--no-auth", "--config", cfg.string()});
  ws_client mute = open_ws(d, "?channel=sensors");    // never reads again: never pongs
  ws_client lively = open_ws(d, "?channel=sensors");  // recv() answers pings
  const auto h = d.http();
  const bool dropped = wait_until(
      [&] {
        lively.recv(std::chrono::milliseconds(50));
        return h.get("/api/v1/ws/stats").json()["total_connections"].i64() == 1;
      },
      std::chrono::seconds(20));
  CHECK(dropped);
  CHECK(lively.is_open());
  CHECK(drain_until_pong(lively).empty());
}

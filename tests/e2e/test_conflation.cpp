// SPDX-License-Identifier: MIT
// End-to-end: conflation (SPEC §11). Subscribers that stop reading while
// 40,000 readings of 10 sensors are written (far more than the kernel's
// socket buffers hold, so a backlog builds in the daemon): the conflating
// ones end with every sensor's latest reading, seq ascending, still open;
// the plain one beside them passes its backlog limit and is closed 1008.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "e2e_test_util.hpp"

using namespace sensorhub::e2e;

namespace {

constexpr int sensor_count = 10;
constexpr int total_readings = 40000;
constexpr int per_batch = 2000;

// Writes the readings round-robin over the sensors, in batches, calling
// after_batch after each; returns each sensor's last reading id (the batch
// answer's ids are in order).
std::map<std::int64_t, std::int64_t> write_readings(const http_client& h,
                                                    const std::vector<std::int64_t>& sensors,
                                                    const std::function<void()>& after_batch) {
  std::map<std::int64_t, std::int64_t> last;
  for (int start = 0; start < total_readings; start += per_batch) {
    std::string body = "[";
    for (int i = start; i < start + per_batch; ++i) {
      if (i != start) body += ',';
      body += "{\"sensor_id\":" + std::to_string(sensors[i % sensor_count]) +
              ",\"valor\":" + std::to_string(i) + ",\"unidad\":\"padding-padding-padding\"}";
    }
    body += "]";
    const http_response r = h.post("/api/v1/lecturas/batch", body);
    REQUIRE(r.status == 201);
    const auto first_id = r.json()["first_id"].i64();
    REQUIRE(first_id.has_value());
    for (int i = start; i < start + per_batch; ++i) {
      last[sensors[i % sensor_count]] = *first_id + (i - start);
    }
    after_batch();
  }
  return last;
}

// What a conflating reader saw once it read again.
struct reader_result {
  std::map<std::int64_t, std::int64_t> latest;  // sensor -> last reading id seen
  std::size_t events = 0;
  bool ascending = true;
  std::string problem;
};

// Reads until every sensor's expected latest reading arrived (or a read
// times out / the connection closes, which is the failure).
reader_result read_until_latest(ws_client& c, const std::map<std::int64_t, std::int64_t>& want) {
  reader_result out;
  std::int64_t prev = 0;
  while (out.latest != want) {
    auto m = c.recv_json(std::chrono::seconds(30));
    if (!m) {
      out.problem = "no latest readings: timeout or close (code " +
                    std::to_string(c.close_code().value_or(-1)) + ") after " +
                    std::to_string(out.events) + " events";
      return out;
    }
    if ((*m)["type"].str() != "entity_event") continue;
    const auto seq = (*m)["seq"].i64().value_or(0);
    out.ascending = out.ascending && seq > prev;
    prev = seq;
    ++out.events;
    out.latest[(*m)["data"]["sensor_id"].i64().value_or(0)] = (*m)["entity_id"].i64().value_or(0);
  }
  return out;
}

}  // namespace

TEST_CASE("conflating readers that stop reading end with every sensor's latest reading") {
  daemon_process d;
  const auto h = d.http();
  std::vector<std::int64_t> sensors;
  for (int i = 0; i < sensor_count; ++i) sensors.push_back(create_sensor(h));

  // conflate=true on the handshake; conflate:true in a `subscribe`; plain.
  ws_client by_query = open_ws(d, "?channel=readings&conflate=true");
  ws_client by_subscribe = open_ws(d, "?channel=general");
  by_subscribe.send_text(R"({"type":"subscribe","channel":"readings","conflate":true})");
  auto reply = by_subscribe.recv_json();
  REQUIRE(reply.has_value());
  CHECK(reply->text() == R"({"type":"subscribed","channels":["general","readings"]})");
  ws_client plain = open_ws(d, "?channel=readings");
  // Default socket buffers: a client that does not read holds a few hundred
  // KiB in the kernel (the daemon caps SO_SNDBUF), far less than the ~14 MB
  // written. (A tiny SO_RCVBUF would make loopback crawl once it reads.)

  // Nobody reads meanwhile, except the plain reader once the daemon has
  // dropped it: it passed its 4 MiB backlog and was closed 1008, and it sees
  // the close frame as soon as it reads (within the daemon's close grace).
  std::optional<ws_message> closed;
  bool plain_read = false;
  const auto want = write_readings(h, sensors, [&] {
    if (plain_read) return;
    if (h.get("/api/v1/ws/stats").json()["channels"]["readings"]["connections"].i64() != 2) return;
    plain_read = true;
    closed = plain.wait_close(std::chrono::seconds(30));
  });
  REQUIRE(plain_read);
  INFO("plain reader: " << (closed ? "close " + std::to_string(closed->close_code.value_or(-1))
                                   : std::string(plain.eof() ? "EOF" : "timeout")));
  REQUIRE(closed.has_value());
  CHECK(closed->close_code == 1008);
  CHECK(closed->payload == "slow consumer");

  // The daemon's own view of each sensor's latest reading agrees.
  for (const auto sid : sensors) {
    const json_doc j =
        h.get("/api/v1/sensores/" + std::to_string(sid) + "/lecturas?limit=1").json();
    CHECK(j.at(0)["id"].i64() == want.at(sid));
  }

  for (auto* c : {&by_query, &by_subscribe}) {
    const reader_result r = read_until_latest(*c, want);
    INFO(r.problem);
    CHECK(r.problem.empty());
    CHECK(r.ascending);
    CHECK(r.events < static_cast<std::size_t>(total_readings));  // gaps: conflated
    CHECK(c->is_open());
    CHECK(drain_until_pong(*c).empty());  // nothing more was waiting
  }

  const json_doc st = h.get("/api/v1/ws/stats").json();
  const auto conflated = st["channels"]["readings"]["conflated"].i64().value_or(0);
  CHECK(conflated > 0);
  CHECK(st["channels"]["sensors"]["conflated"].i64() == 0);
  CHECK(st["channels"]["readings"]["connections"].i64() == 2);
  const json_doc one = h.get("/api/v1/ws/stats/readings").json();
  CHECK(one["conflated"].i64() == conflated);
  const std::string metrics = h.get("/metrics").body;
  CHECK(metrics.find("sensorhub_conflated_total{channel=\"readings\"} " +
                     std::to_string(conflated) + "\n") != std::string::npos);
  CHECK(healthy(d));
}

TEST_CASE("a conflating reader that keeps up gets every event, bad conflate values are refused") {
  daemon_process d;
  const auto h = d.http();
  const auto sid = create_sensor(h);
  ws_client c = open_ws(d, "?channel=readings,sensors&conflate=true");
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 20; ++i) {
    ids.push_back(create_reading(h, sid, i));
    auto m = c.recv_json();
    REQUIRE(m.has_value());
    CHECK((*m)["entity_id"].i64() == ids.back());
  }
  h.patch("/api/v1/sensores/" + std::to_string(sid), R"({"modelo":"X1"})");
  auto u = c.recv_json();
  REQUIRE(u.has_value());
  CHECK((*u)["event_type"].str() == "updated");

  for (const char* bad :
       {"conflate=yes", "conflate=1", "conflate=", "conflate=true&conflate=true"}) {
    INFO(bad);
    ws_client r;
    const ws_handshake hs = r.connect(d.host(), d.port(), std::string("/api/v1/ws?") + bad);
    CHECK_FALSE(hs.upgraded);
    CHECK(error_mismatch(hs.response, 400, "invalid_parameter").empty());
  }
  ws_client ok;
  CHECK(ok.connect(d.host(), d.port(), "/api/v1/ws?conflate=false").upgraded);

  c.send_text(R"({"type":"subscribe","channel":"readings","conflate":"yes"})");
  auto err = c.recv_json();
  REQUIRE(err.has_value());
  CHECK((*err)["type"].str() == "error");
  CHECK((*err)["detail"].str().find("conflate") != std::string::npos);
  CHECK(c.is_open());
}

// SPDX-License-Identifier: MIT
// End-to-end: persisted event history (GET /api/v1/events) and resume with
// since= (SPEC §5).

#include <sys/wait.h>

#include <string>
#include <vector>

#include "e2e_test_util.hpp"
#include "ws_checks.hpp"

using namespace sensorhub::e2e;

namespace {

json_doc events(const daemon_process& d, const std::string& query) {
  const http_response r = d.http().get("/api/v1/events" + query);
  INFO(query << " -> " << r.status << " " << r.body.substr(0, 300));
  REQUIRE(r.status == 200);
  json_doc j = r.json();
  REQUIRE(j.root().is_array());
  return j;
}

// Live text of each message up to (and including) n entity events.
std::vector<std::string> live_events(ws_client& c, std::size_t n) {
  std::vector<std::string> out;
  while (out.size() < n) {
    auto m = c.recv_json();
    REQUIRE(m.has_value());
    REQUIRE(m->ok());
    out.push_back(m->text());
  }
  return out;
}

}  // namespace

TEST_CASE("GET /events returns the events exactly as they were sent live") {
  daemon_process d;
  const auto h = d.http();
  ws_client c = open_ws(d, "?channel=sensors,readings");
  const auto sid = create_sensor(h);
  REQUIRE(h.put("/api/v1/sensores/" + std::to_string(sid), R"({"modelo":"B"})").status == 200);
  const auto rid = create_reading(h, sid, 1.25);
  REQUIRE(h.del("/api/v1/lecturas/" + std::to_string(rid)).status == 204);
  create_reading(h, sid, 2);
  REQUIRE(h.del("/api/v1/sensores/" + std::to_string(sid)).status == 204);
  const std::vector<std::string> live = live_events(c, 6);

  const json_doc all = events(d, "?since=0");
  std::vector<std::string> stored;
  std::int64_t prev = 0;
  bool ascending = true;
  for (std::size_t i = 0; i < all.root().size(); ++i) {
    const jv e = all.at(i);
    ascending = ascending && e["seq"].i64().value_or(0) > prev;
    prev = e["seq"].i64().value_or(0);
    if (e["type"].str() == "entity_event") stored.push_back(e.dump());
  }
  CHECK(ascending);
  REQUIRE(stored.size() == live.size());
  for (std::size_t i = 0; i < live.size(); ++i) {
    const json_doc l = json_doc::parse(live[i]);
    INFO("live   " << live[i] << "\nstored " << stored[i]);
    CHECK(l.root().dump() == stored[i]);  // same members in the same order
    CHECK(live[i] == l.root().dump());    // and the live text is compact JSON
  }
  // server_started is persisted on general.
  const json_doc gen = events(d, "?since=0&channel=general");
  REQUIRE(gen.root().size() >= 1);
  CHECK(gen.at(0)["type"].str() == "system_event");
  CHECK(gen.at(0)["event"].str() == "server_started");
  for (std::size_t i = 0; i < gen.root().size(); ++i)
    CHECK(gen.at(i)["type"].str() == "system_event");

  const json_doc sens = events(d, "?since=0&channel=sensors");
  CHECK(sens.root().size() == 3);
  for (std::size_t i = 0; i < sens.root().size(); ++i)
    CHECK(sens.at(i)["channel"].str() == "sensors");
  const auto first_seq = all.at(0)["seq"].i64().value_or(0);
  const json_doc after = events(d, "?since=" + std::to_string(first_seq) + "&limit=2");
  REQUIRE(after.root().size() == 2);
  CHECK(after.at(0)["seq"].i64() == all.at(1)["seq"].i64());
  CHECK(events(d, "?since=999999").root().size() == 0);
  CHECK(events(d, "?since=0&limit=1000").root().size() == all.root().size());
  CHECK(error_mismatch(h.get("/api/v1/events?since=0&limit=1001"), 422, "validation_failed") == "");
  CHECK(error_mismatch(h.get("/api/v1/events?since=abc"), 400, "invalid_parameter") == "");
  CHECK(error_mismatch(h.get("/api/v1/events?since=-1"), 400, "invalid_parameter") == "");
  CHECK(error_mismatch(h.get("/api/v1/events?channel=bogus"), 400, "invalid_parameter") == "");
  // test_event has no seq and is not stored.
  REQUIRE(
      h.post("/api/v1/ws/test-event", R"({"channel":"sensors","message":"m","data":{}})").status ==
      200);
  CHECK(events(d, "?since=0&channel=sensors").root().size() == 3);
}

TEST_CASE("resume with since= replays the missed events then live no gap or duplicate") {
  daemon_process d;
  const auto h = d.http();
  ws_client c = open_ws(d, "?channel=sensors");
  for (int i = 0; i < 3; ++i) create_sensor(h);
  const std::vector<std::string> live = live_events(c, 3);
  const auto seq1 = json_doc::parse(live[0])["seq"].i64().value_or(0);

  ws_client r = open_ws(d, "?channel=sensors&since=" + std::to_string(seq1));
  const std::vector<std::string> replay = live_events(r, 2);
  CHECK(replay[0] == live[1]);
  CHECK(replay[1] == live[2]);
  const auto sid = create_sensor(h);
  const json_doc e1 = json_doc::parse(live_events(r, 1)[0]);
  CHECK(e1["entity_id"].i64() == sid);
  CHECK(live_events(c, 1)[0] == e1.text());
  CHECK(drain_until_pong(r).empty());

  // since = the newest seq: nothing replayed.
  ws_client none =
      open_ws(d, "?channel=sensors&since=" + std::to_string(e1["seq"].i64().value_or(0)));
  CHECK(drain_until_pong(none).empty());
}

TEST_CASE("resume across a restart replays from the database") {
  daemon_process d;
  const auto h = d.http();
  ws_client c = open_ws(d, "?channel=sensors");
  create_sensor(h);
  create_sensor(h);
  const std::vector<std::string> live = live_events(c, 2);
  d.terminate();
  const auto st = d.wait_exit(std::chrono::seconds(10));
  REQUIRE(st.has_value());
  CHECK(WIFEXITED(*st));
  d.restart();
  ws_client r = open_ws(d, "?channel=sensors&since=0");
  const std::vector<std::string> replay = live_events(r, 2);
  CHECK(replay == live);
  CHECK(drain_until_pong(r).empty());
  // general since=0: server_started, server_stopping, server_started.
  ws_client g = open_ws(d, "?since=0");
  const std::vector<std::string> sys = live_events(g, 3);
  CHECK(json_doc::parse(sys[0])["event"].str() == "server_started");
  CHECK(json_doc::parse(sys[1])["event"].str() == "server_stopping");
  CHECK(json_doc::parse(sys[2])["event"].str() == "server_started");
}

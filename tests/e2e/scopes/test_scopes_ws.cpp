// SPDX-License-Identifier: MIT
// End-to-end: SPEC 7.1 data scopes on WebSockets against the real daemon:
// sensors moving out of and into a token's scope are seen live as
// scope_left / scope_entered (same seq, then nothing more), and the same
// view comes back from a `since` replay and from /events; filters and
// subscribe messages never widen the scope; snapshots are scoped; the
// public endpoint applies the scope of a read token (header or ?token=).

#include <string>
#include <vector>

#include "scope_fixture.hpp"

using namespace sensorhub::e2e;

namespace {

std::string patch_path(std::int64_t id) { return "/api/v1/sensores/" + std::to_string(id); }

// The scoped view of a move out (seq s1), an update while out (s2) and a
// move back in (s3) of the in-scope sensor, as every path must show it.
void check_moves(const std::vector<json_doc>& seen, std::int64_t sensor, std::int64_t s1,
                 std::int64_t s3) {
  REQUIRE(seen.size() == 2);
  CHECK(seen[0]["event_type"].str() == "scope_left");
  CHECK(seen[0]["seq"].i64() == s1);
  CHECK(seen[0]["entity_id"].i64() == sensor);
  CHECK(seen[0]["data"]["ubicacion"].str() == "coldstore");  // the entity after the change
  CHECK(seen[1]["event_type"].str() == "scope_entered");
  CHECK(seen[1]["seq"].i64() == s3);
  CHECK(seen[1]["data"]["ubicacion"].str() == "greenhouse");
  CHECK(seen[1]["data"]["modelo"].str() == "moved-out");  // the full entity, as it is now
}

}  // namespace

TEST_CASE("a sensor moving out of and into the scope: live, since replay and /events agree") {
  scope_world w;
  const std::string q = "/api/v1/ws/secure?channel=sensors";
  ws_client scoped = open_ws_as(w.d, q, w.green);
  ws_client unscoped = open_ws_as(w.d, q, w.root);
  ws_client deleted_only = open_ws_as(w.d, q + "&event_type=deleted", w.green);
  ws_client created_only = open_ws_as(w.d, q + "&event_type=created", w.green);
  const auto s0 = call(w.d, "GET", "/api/v1/ws/stats", w.root).json()["last_seq"].i64();
  REQUIRE(s0.has_value());

  w.move_sensor(w.in_sensor, "coldstore");
  const http_response upd =
      call(w.d, "PATCH", patch_path(w.in_sensor), w.root, std::string(R"({"modelo":"moved-out"})"));
  REQUIRE(upd.status == 200);
  w.move_sensor(w.in_sensor, "greenhouse");

  // The unscoped token sees three plain updates.
  std::vector<std::int64_t> seqs;
  for (int i = 0; i < 3; ++i) {
    const json_doc e = next_event(unscoped);
    CHECK(e["event_type"].str() == "updated");
    seqs.push_back(e["seq"].i64().value_or(0));
  }
  // Live, scoped: left, (nothing for the update while out), entered.
  std::vector<json_doc> live;
  live.push_back(next_event(scoped));
  live.push_back(next_event(scoped));
  check_moves(live, w.in_sensor, seqs[0], seqs[2]);
  // event_type=deleted matches scope_left, event_type=created scope_entered.
  const json_doc left = next_event(deleted_only);
  CHECK(left["event_type"].str() == "scope_left");
  CHECK(left["seq"].i64() == seqs[0]);
  const json_doc entered = next_event(created_only);
  CHECK(entered["event_type"].str() == "scope_entered");
  CHECK(entered["seq"].i64() == seqs[2]);

  // Replay with since: the same messages, byte for byte.
  ws_client replay = open_ws_as(w.d, q + "&since=" + std::to_string(*s0), w.green);
  for (const auto& l : live) CHECK(next_event(replay).text() == l.text());
  // Public endpoint with ?token=: the same scoped view.
  ws_client pub = open_ws_as(
      w.d, "/api/v1/ws?channel=sensors&since=" + std::to_string(*s0) + "&token=" + w.green, "");
  for (const auto& l : live) CHECK(next_event(pub).text() == l.text());

  // /events: the same view again.
  const json_doc hist =
      call(w.d, "GET", "/api/v1/events?since=" + std::to_string(*s0), w.green).json();
  REQUIRE(hist.root().is_array());
  REQUIRE(hist.root().size() == 2);
  std::vector<json_doc> from_events;
  for (std::size_t i = 0; i < 2; ++i) from_events.push_back(json_doc::parse(hist.at(i).dump()));
  check_moves(from_events, w.in_sensor, seqs[0], seqs[2]);
  for (std::size_t i = 0; i < 2; ++i) CHECK(json_equal(from_events[i].root(), live[i].root()));
  const json_doc all =
      call(w.d, "GET", "/api/v1/events?since=" + std::to_string(*s0), w.root).json();
  CHECK(all.root().size() == 3);
}

TEST_CASE("filters and subscribe messages never widen the scope") {
  scope_world w;
  const std::string both = std::to_string(w.out_sensor) + "," + std::to_string(w.in_sensor);
  ws_client c = open_ws_as(w.d, "/api/v1/ws/secure?channel=readings&sensor_id=" + both, w.green);
  // The out-of-scope reading commits first: were it delivered, it would come first.
  created_id(w.post_root("/api/v1/lecturas/", w.reading_body(w.out_sensor, 1)));
  const std::int64_t in =
      created_id(w.post_root("/api/v1/lecturas/", w.reading_body(w.in_sensor, 2)));
  CHECK(next_event(c)["entity_id"].i64() == in);

  // A subscribe message naming only the out-of-scope sensor, then one naming both.
  c.send_text(R"({"type":"subscribe","channel":"sensors","filter":{"sensor_id":[)" +
              std::to_string(w.out_sensor) + "]}}");
  auto reply = c.recv_json();
  REQUIRE(reply.has_value());
  CHECK((*reply)["type"].str() == "subscribed");
  c.send_text(R"({"type":"subscribe","channel":"readings","filter":{"sensor_id":[)" + both + "]}}");
  reply = c.recv_json();
  REQUIRE(reply.has_value());
  CHECK((*reply)["type"].str() == "subscribed");
  w.move_sensor(w.out_sensor, "coldstore-2");  // out-of-scope sensor event
  created_id(w.post_root("/api/v1/lecturas/", w.reading_body(w.out_sensor, 3)));
  const std::int64_t in2 =
      created_id(w.post_root("/api/v1/lecturas/", w.reading_body(w.in_sensor, 4)));
  CHECK(next_event(c)["entity_id"].i64() == in2);
}

TEST_CASE("snapshots are scoped, an unscoped token's snapshot has everything") {
  scope_world w;
  auto snapshot_ids = [&](const std::string& token, const std::string& chan) {
    ws_client c = open_ws_as(w.d, "/api/v1/ws/secure?channel=" + chan + "&snapshot=true", token);
    auto m = c.recv_json();
    REQUIRE(m.has_value());
    INFO(m->text());
    REQUIRE((*m)["type"].str() == "snapshot");
    std::vector<std::int64_t> ids;
    const auto data = (*m)["data"];
    for (std::size_t i = 0; i < data.size(); ++i) ids.push_back(data.at(i)["id"].i64().value_or(0));
    return ids;
  };
  CHECK(snapshot_ids(w.green, "sensors") == std::vector<std::int64_t>{w.in_sensor});
  CHECK(snapshot_ids(w.root, "sensors") ==
        std::vector<std::int64_t>{w.in_sensor, w.out_sensor, w.null_sensor});
  // Readings: each visible sensor's latest reading only.
  CHECK(snapshot_ids(w.green, "readings") == std::vector<std::int64_t>{w.in_reading});
  CHECK(snapshot_ids(w.root, "readings").size() == 2);
}

TEST_CASE("the public endpoint without a token is unscoped, as before") {
  scope_world w;
  ws_client c = open_ws_as(w.d, "/api/v1/ws?channel=readings", "");
  const std::int64_t out =
      created_id(w.post_root("/api/v1/lecturas/", w.reading_body(w.out_sensor, 5)));
  CHECK(next_event(c)["entity_id"].i64() == out);
}

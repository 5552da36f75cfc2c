// SPDX-License-Identifier: MIT
// End-to-end: Server-Sent Events (SPEC §10) against the real daemon over
// real sockets: the record format with ids, the headers, resume with
// `since` and Last-Event-ID (which wins), filters, data scopes, keepalive
// comments, truncated history, auth like /api/v1/ws (revocation included),
// /ws/stats counting and server_stopping on shutdown.

#include <fstream>
#include <string>
#include <vector>

#include "../scopes/scope_fixture.hpp"
#include "sse_util.hpp"

using namespace sensorhub::e2e;

TEST_CASE("events arrive as SSE records: id = seq, event = type, data = the WebSocket JSON") {
  daemon_process d;
  const auto h = d.http();
  sse_client c = open_sse(d, "?channel=sensors,general");
  const auto& head = c.response();
  CHECK(head.header("content-type").find("text/event-stream") == 0);
  CHECK(head.header("cache-control") == "no-cache");
  CHECK(head.header("x-accel-buffering") == "no");
  // Counted like a WebSocket subscriber.
  CHECK(
      wait_until([&] { return h.get("/api/v1/ws/stats").json()["total_connections"].i64() == 1; }));

  const auto sid = create_sensor(h, "humedad");
  const json_doc e = next_entity(c);
  CHECK(e["entity_id"].i64() == sid);
  CHECK(e["event_type"].str() == "created");
  const auto seq = *e["seq"].i64();
  // Byte for byte: the record is the stored event's JSON, as /events has it.
  const json_doc stored =
      h.get("/api/v1/events?channel=sensors&since=" + std::to_string(seq - 1) + "&limit=1").json();
  const std::string record =
      "id: " + std::to_string(seq) + "\nevent: entity_event\ndata: " + stored.at(0).dump() + "\n\n";
  CHECK(c.raw().find(record) != std::string::npos);

  // test_event: no id (it has no seq).
  const http_response t =
      h.post("/api/v1/ws/test-event", R"({"channel":"general","message":"hi","data":{"n":1}})");
  REQUIRE(t.status / 100 == 2);
  const auto r = c.next_event();
  REQUIRE(r.has_value());
  CHECK(r->event == "test_event");
  CHECK_FALSE(r->id.has_value());
  CHECK(json_doc::parse(r->data)["message"].str() == "hi");

  c.close();
  CHECK(
      wait_until([&] { return h.get("/api/v1/ws/stats").json()["total_connections"].i64() == 0; }));
  CHECK(healthy(d));
}

TEST_CASE("since and Last-Event-ID replay without gap or duplicate, and Last-Event-ID wins") {
  daemon_process d;
  const auto h = d.http();
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(create_sensor(h));
  const std::vector<std::int64_t> seqs = stored_seqs(h, "sensors", 0);
  REQUIRE(seqs.size() == 6);

  auto read_seqs = [](sse_client& c, std::size_t n) {
    std::vector<std::int64_t> got;
    while (got.size() < n) got.push_back(*next_entity(c)["seq"].i64());
    return got;
  };

  sse_client by_since = open_sse(d, "?channel=sensors&since=" + std::to_string(seqs[1]));
  // EventSource reconnects to the same URL, since= included: the header wins.
  sse_client by_header = open_sse(d, "?channel=sensors&since=" + std::to_string(seqs[0]),
                                  {{"Last-Event-ID", std::to_string(seqs[3])}});
  CHECK(read_seqs(by_since, 4) == std::vector<std::int64_t>(seqs.begin() + 2, seqs.end()));
  CHECK(read_seqs(by_header, 2) == std::vector<std::int64_t>(seqs.begin() + 4, seqs.end()));

  // Then live, still in order, nothing twice.
  create_sensor(h);
  const auto live = stored_seqs(h, "sensors", seqs.back());
  REQUIRE(live.size() == 1);
  CHECK(read_seqs(by_since, 1) == live);
  CHECK(read_seqs(by_header, 1) == live);

  // A Last-Event-ID that is not a seq is a bad request.
  sse_client bad(d.host(), d.port(), std::string(sse_path) + "?channel=sensors",
                 {{"Last-Event-ID", "abc"}});
  CHECK(error_mismatch(bad.response(), 400, "invalid_parameter") == "");
  sse_client bad_query(d.host(), d.port(), std::string(sse_path) + "?channel=nope");
  CHECK(error_mismatch(bad_query.response(), 400, "invalid_parameter") == "");
}

TEST_CASE("filters select events, and a truncated history sends event: resume_failed") {
  daemon_process d;
  const auto h = d.http();
  sse_client c = open_sse(d, "?channel=sensors&tipo=humedad&event_type=created");
  create_sensor(h, "temperatura");
  const auto wanted = create_sensor(h, "humedad");
  const json_doc e = next_entity(c);
  CHECK(e["entity_id"].i64() == wanted);
  CHECK(e["data"]["tipo"].str() == "humedad");

  for (int i = 0; i < 30; ++i) create_sensor(h);
  c.close();
  const std::int64_t oldest = restart_with_short_history(d);

  sse_client resumed = open_sse(d, "?channel=sensors", {{"Last-Event-ID", "1"}});
  const auto first = resumed.next_event();
  REQUIRE(first.has_value());
  CHECK(first->event == "resume_failed");
  CHECK_FALSE(first->id.has_value());
  const json_doc body = json_doc::parse(first->data);
  CHECK(body["type"].str() == "resume_failed");
  CHECK(body["reason"].str() == "history_truncated");
  CHECK(body["oldest_seq"].i64() == oldest);
  // Then the retained sensor events, ascending.
  std::int64_t prev = 0;
  const auto retained = stored_seqs(d.http(), "sensors", 0);
  REQUIRE_FALSE(retained.empty());
  for (const auto want : retained) {
    const auto got = *next_entity(resumed)["seq"].i64();
    CHECK(got == want);
    CHECK(got > prev);
    prev = got;
  }
}

TEST_CASE("a silent stream gets `: keepalive` comments (config limits.sse_keepalive_ms)") {
  temp_dir dir;
  const auto cfg = dir.path() / "keepalive.json";
  std::ofstream(cfg) << R"({"limits":{"sse_keepalive_ms":100}})";
  daemon_process d({"--test-endpoints", "--no-auth", "--config", cfg.string()});
  sse_client c = open_sse(d, "?channel=readings");
  for (int i = 0; i < 2; ++i) {
    const auto r = c.next(std::chrono::seconds(10));
    REQUIRE(r.has_value());
    CHECK(r->is_comment());
    CHECK(r->comment == "keepalive");
  }
  CHECK(c.raw().find("\n\n: keepalive\n\n") != std::string::npos);
  // Events still flow between comments.
  const auto sid = create_sensor(d.http());
  const json_doc j = json_doc::parse(
      d.http()
          .post("/api/v1/lecturas/", "{\"sensor_id\":" + std::to_string(sid) + ",\"valor\":1}")
          .body);
  CHECK(next_entity(c)["entity_id"].i64() == j["id"].i64());
}

TEST_CASE("auth like /api/v1/ws: --no-public-ws demands a read token, which brings its scope") {
  scope_world w;  // auth on, tokens root and green (ubicacion=greenhouse)
  // Public by default: no token needed; a read token's scope applies.
  open_sse(w.d, "?channel=sensors");
  sse_client scoped = open_sse(w.d, "?channel=sensors&token=" + w.green);
  sse_client by_header = open_sse(w.d, "?channel=sensors", bearer(w.green));
  const auto out = created_id(w.post_root("/api/v1/sensores/", sensor_body("coldstore")));
  const auto in = created_id(w.post_root("/api/v1/sensores/", sensor_body("greenhouse")));
  CHECK(out != in);
  CHECK(next_entity(scoped)["entity_id"].i64() == in);
  CHECK(next_entity(by_header)["entity_id"].i64() == in);

  w.d.terminate();
  REQUIRE(w.d.wait_exit(std::chrono::seconds(10)).has_value());
  w.d.restart({"--no-public-ws"});
  sse_client none(w.d.host(), w.d.port(), std::string(sse_path) + "?channel=sensors");
  CHECK(error_mismatch(none.response(), 401, "unauthorized") == "");
  sse_client wrong(w.d.host(), w.d.port(), std::string(sse_path) + "?token=nope");
  CHECK(wrong.response().status == 401);
  const std::string writer = make_token(w.d, "writer", "write");
  sse_client no_read(w.d.host(), w.d.port(), std::string(sse_path), bearer(writer));
  CHECK(no_read.response().status == 403);
  sse_client ok = open_sse(w.d, "?channel=sensors&token=" + w.green);
  // Scoped also here, and replay through the scope: since=0 gives only the
  // greenhouse sensors (created by the fixture and above).
  sse_client replay = open_sse(w.d, "?channel=sensors&since=0", bearer(w.green));
  CHECK(next_entity(replay)["entity_id"].i64() == w.in_sensor);
  CHECK(next_entity(replay)["entity_id"].i64() == in);

  // Revoking the token ends its streams (as it closes its WebSockets).
  const std::string reader = make_token(w.d, "reader", "read");
  sse_client doomed = open_sse(w.d, "?channel=sensors", bearer(reader));
  REQUIRE(w.d.token_command({"revoke", "reader"}).exit_code == 0);
  CHECK_FALSE(doomed.next(std::chrono::seconds(10)).has_value());
  CHECK(ok.streaming());
}

TEST_CASE("on shutdown a stream gets server_stopping, then ends") {
  daemon_process d;
  sse_client c = open_sse(d, "?channel=general");
  d.terminate();
  std::optional<sse_record> r;
  for (;;) {
    r = c.next_event();
    REQUIRE(r.has_value());
    if (r->event == "system_event" && json_doc::parse(r->data)["event"].str() == "server_stopping")
      break;
  }
  CHECK(r->seq() == json_doc::parse(r->data)["seq"].i64());
  CHECK_FALSE(c.next(std::chrono::seconds(10)).has_value());  // the end
  const auto status = d.wait_exit(std::chrono::seconds(10));
  REQUIRE(status.has_value());
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
}

// SPDX-License-Identifier: MIT
// End-to-end: the WebSocket channels of SPEC §3 and the stats of §4.

#include <set>
#include <thread>
#include <string>
#include <vector>

#include "e2e_test_util.hpp"
#include "ws_checks.hpp"

using namespace sensorhub::e2e;

namespace {

std::set<std::string> as_set(const std::vector<std::string>& v) { return {v.begin(), v.end()}; }

json_doc stats(const daemon_process& d) {
  const http_response r = d.http().get("/api/v1/ws/stats");
  REQUIRE(r.status == 200);
  json_doc j = r.json();
  REQUIRE(j.ok());
  return j;
}

std::int64_t connections(const daemon_process& d, const char* channel) {
  return stats(d)["channels"][channel]["connections"].i64().value_or(-1);
}

json_doc next_json(ws_client& c) {
  auto m = c.recv_json();
  REQUIRE(m.has_value());
  REQUIRE(m->ok());
  return std::move(*m);
}

}  // namespace

TEST_CASE("original flow: greetings then exactly three sensor events of the SPEC shape") {
  daemon_process d;
  const auto h = d.http();
  ws_client c;
  const ws_handshake hs = c.connect(d.host(), d.port(), "/api/v1/ws?channel=sensors");
  REQUIRE(hs.upgraded);

  const json_doc hello = next_json(c);
  CHECK(hello.root().keys() ==
        std::set<std::string>{"type", "client_id", "channels", "server", "timestamp"});
  CHECK(hello["type"].str() == "connection_established");
  CHECK(hello["client_id"].is_string());
  CHECK(!hello["client_id"].str().empty());
  CHECK(hello["channels"].strings() == std::vector<std::string>{"sensors"});
  CHECK(hello["server"].str().rfind("sensorhubd/", 0) == 0);
  CHECK(is_server_time(hello["timestamp"].str()));

  const json_doc st = next_json(c);
  CHECK(st.root().keys() == std::set<std::string>{"type", "data", "timestamp"});
  CHECK(st["type"].str() == "stats");
  CHECK(stats_object_problem(st["data"]) == "");
  CHECK(st["data"]["total_connections"].i64() == 1);
  CHECK(st["data"]["channels"]["sensors"]["connections"].i64() == 1);
  CHECK(is_server_time(st["timestamp"].str()));

  // create
  const json_doc created = post_created(
      h, "/api/v1/test-sensors/", R"({"tipo":"temperatura","modelo":"DHT22","ubicacion":"Sala"})");
  const std::int64_t id = created["id"].i64().value_or(0);
  const std::string path = "/api/v1/test-sensors/" + std::to_string(id);
  const json_doc e1 = next_json(c);
  CHECK(entity_event_problem(e1, "sensors", "sensor", "created", id) == "");
  CHECK(json_equal(e1["data"], created.root()));

  // unchanged values: 200, no event
  const http_response same = h.put(path, R"({"modelo":"DHT22","ubicacion":"Sala"})");
  CHECK(same.status == 200);
  CHECK(json_equal(same.json().root(), created.root()));
  CHECK(h.patch(path, R"({"activo":true})").status == 200);
  CHECK(h.put(path, "{}").status == 200);

  // a real change: the next message must be this update
  const http_response upd = h.put(path, R"({"modelo":"DHT11"})");
  REQUIRE(upd.status == 200);
  const json_doc e2 = next_json(c);
  CHECK(entity_event_problem(e2, "sensors", "sensor", "updated", id) == "");
  CHECK(e2["data"]["updated_fields"].strings() == std::vector<std::string>{"modelo"});
  CHECK(e2["metadata"]["fields_updated"].strings() == std::vector<std::string>{"modelo"});
  CHECK(same_entity(e2["data"], upd.json().root()));
  CHECK(e2["seq"].i64() > e1["seq"].i64());

  // delete
  REQUIRE(h.del(path).status == 204);
  const json_doc e3 = next_json(c);
  CHECK(entity_event_problem(e3, "sensors", "sensor", "deleted", id) == "");
  CHECK(e3["metadata"]["readings_deleted"].i64() == 0);
  CHECK(json_equal(e3["data"], upd.json().root()));  // as it was
  CHECK(e3["seq"].i64() > e2["seq"].i64());

  // exactly three: nothing else was queued
  CHECK(drain_until_pong(c).empty());
  CHECK(c.protocol_problem().empty());
}

TEST_CASE("several changed fields are listed - unchanged ones emit nothing") {
  daemon_process d;
  const auto h = d.http();
  ws_client c = open_ws(d, "?channel=sensors");
  const auto id = create_sensor(h);
  const std::string path = "/api/v1/sensores/" + std::to_string(id);
  CHECK(next_json(c)["event_type"].str() == "created");
  REQUIRE(h.patch(path, R"({"tipo":"temperatura","modelo":"A","activo":false,"ubicacion":"x"})")
              .status == 200);
  const json_doc e = next_json(c);
  CHECK(entity_event_problem(e, "sensors", "sensor", "updated", id) == "");
  const auto fields = as_set(e["data"]["updated_fields"].strings());
  CHECK(fields.count("modelo") == 1);
  CHECK(fields.count("activo") == 1);
  CHECK(fields.count("ubicacion") == 1);
  WARN_MESSAGE(fields.count("tipo") == 0, "unchanged field listed in updated_fields: " << e.text());
  // Setting the same values again: no event.
  REQUIRE(h.patch(path, R"({"modelo":"A","activo":false,"ubicacion":"x"})").status == 200);
  CHECK(drain_until_pong(c).empty());
}

TEST_CASE("reading events on readings - sensor delete reports readings_deleted") {
  daemon_process d;
  const auto h = d.http();
  ws_client rc = open_ws(d, "?channel=readings");
  ws_client sc = open_ws(d, "?channel=sensors");
  const auto sid = create_sensor(h);
  const json_doc r =
      post_created(h, "/api/v1/lecturas/",
                   "{\"sensor_id\":" + std::to_string(sid) + R"(,"valor":21.5,"unidad":"C"})");
  const auto rid = r["id"].i64().value_or(0);
  const json_doc e1 = next_json(rc);
  CHECK(entity_event_problem(e1, "readings", "lectura", "created", rid) == "");
  CHECK(json_equal(e1["data"], r.root()));

  REQUIRE(h.put("/api/v1/lecturas/" + std::to_string(rid), R"({"valor":22.5})").status == 200);
  const json_doc e2 = next_json(rc);
  CHECK(entity_event_problem(e2, "readings", "lectura", "updated", rid) == "");
  CHECK(e2["data"]["updated_fields"].strings() == std::vector<std::string>{"valor"});
  CHECK(e2["data"]["valor"].num() == 22.5);

  const auto rid2 = create_reading(h, sid, 1);
  CHECK(next_json(rc)["entity_id"].i64() == rid2);
  REQUIRE(h.del("/api/v1/lecturas/" + std::to_string(rid2)).status == 204);
  const json_doc e3 = next_json(rc);
  CHECK(entity_event_problem(e3, "readings", "lectura", "deleted", rid2) == "");

  create_reading(h, sid, 2);
  CHECK(next_json(rc)["event_type"].str() == "created");
  // Sensor with 2 readings (rid and the last one) deleted: one event, on sensors.
  CHECK(next_json(sc)["event_type"].str() == "created");
  REQUIRE(h.del("/api/v1/sensores/" + std::to_string(sid)).status == 204);
  const json_doc sd = next_json(sc);
  CHECK(entity_event_problem(sd, "sensors", "sensor", "deleted", sid) == "");
  CHECK(sd["metadata"]["readings_deleted"].i64() == 2);
  CHECK(drain_until_pong(rc).empty());  // no per-reading events
  CHECK(drain_until_pong(sc).empty());
}

TEST_CASE("batch emits one created event per item in order") {
  daemon_process d;
  const auto h = d.http();
  const auto sid = create_sensor(h);
  ws_client rc = open_ws(d, "?channel=readings");
  std::string body = "[";
  for (int i = 0; i < 5; ++i) {
    body += (i ? "," : "") + std::string("{\"sensor_id\":") + std::to_string(sid) +
            ",\"valor\":" + std::to_string(i) + "}";
  }
  body += "]";
  const json_doc b = post_created(h, "/api/v1/lecturas/batch", body);
  const auto first = b["first_id"].i64().value_or(0);
  std::int64_t last_seq = 0;
  for (int i = 0; i < 5; ++i) {
    const json_doc e = next_json(rc);
    CHECK(entity_event_problem(e, "readings", "lectura", "created", first + i) == "");
    CHECK(e["data"]["valor"].num() == static_cast<double>(i));
    CHECK(e["seq"].i64() > last_seq);
    last_seq = e["seq"].i64().value_or(0);
  }
  CHECK(drain_until_pong(rc).empty());
}

TEST_CASE("channel isolation default channel several channels") {
  daemon_process d;
  const auto h = d.http();
  json_doc hello;
  ws_client readings = open_ws(d, "?channel=readings");
  ws_client sensors = open_ws(d, "?channel=sensors");
  ws_client general = open_ws(d, "", &hello);
  CHECK(hello["channels"].strings() == std::vector<std::string>{"general"});
  ws_client repeated = open_ws(d, "?channel=sensors&channel=readings", &hello);
  CHECK(as_set(hello["channels"].strings()) == std::set<std::string>{"sensors", "readings"});
  ws_client comma = open_ws(d, "?channel=sensors,readings", &hello);
  CHECK(as_set(hello["channels"].strings()) == std::set<std::string>{"sensors", "readings"});
  ws_client comma_enc = open_ws(d, "?channel=sensors%2Cgeneral", &hello);
  CHECK(as_set(hello["channels"].strings()) == std::set<std::string>{"sensors", "general"});

  const auto sid = create_sensor(h);
  for (ws_client* c : {&sensors, &repeated, &comma, &comma_enc}) {
    const json_doc e = next_json(*c);
    CHECK(entity_event_problem(e, "sensors", "sensor", "created", sid) == "");
  }
  const auto rid = create_reading(h, sid, 3.5);
  for (ws_client* c : {&readings, &repeated, &comma}) {
    const json_doc e = next_json(*c);
    CHECK(entity_event_problem(e, "readings", "lectura", "created", rid) == "");
  }
  // Everyone has been fanned out to; nothing else may be queued anywhere.
  for (ws_client* c : {&readings, &sensors, &general, &repeated, &comma, &comma_enc}) {
    CHECK(drain_until_pong(*c).empty());
  }
}

TEST_CASE("ping get_stats subscribe and unsubscribe replies") {
  daemon_process d;
  const auto h = d.http();
  ws_client c = open_ws(d, "?channel=sensors");

  c.send_text(R"({"type":"ping"})");
  const json_doc pong = next_json(c);
  CHECK(pong.root().keys() == std::set<std::string>{"type", "timestamp"});
  CHECK(pong["type"].str() == "pong");
  CHECK(is_server_time(pong["timestamp"].str()));

  c.send_text(R"({"type":"get_stats"})");
  const json_doc st = next_json(c);
  CHECK(st["type"].str() == "stats");
  CHECK(stats_object_problem(st["data"]) == "");
  CHECK(st["data"]["channels"]["sensors"]["connections"].i64() == 1);

  c.send_text(R"({"type":"subscribe","channel":"readings"})");
  const json_doc sub = next_json(c);
  CHECK(sub.root().keys() == std::set<std::string>{"type", "channels"});
  CHECK(sub["type"].str() == "subscribed");
  CHECK(as_set(sub["channels"].strings()) == std::set<std::string>{"sensors", "readings"});
  CHECK(connections(d, "readings") == 1);

  const auto sid = create_sensor(h);
  CHECK(next_json(c)["entity_type"].str() == "sensor");
  const auto rid = create_reading(h, sid, 1);
  CHECK(next_json(c)["entity_id"].i64() == rid);

  // Subscribing again changes nothing.
  c.send_text(R"({"type":"subscribe","channel":"readings"})");
  const json_doc again = next_json(c);
  CHECK(again["type"].str() == "subscribed");
  CHECK(again["channels"].size() == 2);

  c.send_text(R"({"type":"unsubscribe","channel":"sensors"})");
  const json_doc unsub = next_json(c);
  CHECK(unsub.root().keys() == std::set<std::string>{"type", "channels"});
  CHECK(unsub["type"].str() == "unsubscribed");
  CHECK(unsub["channels"].strings() == std::vector<std::string>{"readings"});
  CHECK(connections(d, "sensors") == 0);

  // A sensor change is not delivered any more: the next event is the reading.
  create_sensor(h);
  const auto rid2 = create_reading(h, sid, 2);
  const json_doc e = next_json(c);
  CHECK(e["entity_type"].str() == "lectura");
  CHECK(e["entity_id"].i64() == rid2);

  c.send_text(R"({"type":"unsubscribe","channel":"readings"})");
  const json_doc none = next_json(c);
  CHECK(none["type"].str() == "unsubscribed");
  CHECK(none["channels"].size() == 0);
  CHECK(none["channels"].is_array());
  create_reading(h, sid, 3);
  CHECK(drain_until_pong(c).empty());
  CHECK(c.is_open());
}

TEST_CASE("invalid client messages get an error and the connection stays open") {
  daemon_process d;
  ws_client c = open_ws(d, "?channel=sensors");
  auto expect_error = [&](const std::string& what) {
    const json_doc e = next_json(c);
    INFO(what << " -> " << e.text());
    CHECK(e.root().keys() == std::set<std::string>{"type", "error", "detail"});
    CHECK(e["type"].str() == "error");
    CHECK(!e["error"].str().empty());
    CHECK(e["error"].is_string());
    CHECK(e["detail"].is_string());
    CHECK(drain_until_pong(c).empty());
  };
  for (const std::string& msg : std::vector<std::string>{
           std::string("{not json"), std::string(""), std::string("[1,2]"), std::string("null"),
           std::string(R"({"type":"dance"})"), std::string(R"({"type":5})"), std::string(R"({})"),
           std::string(R"({"type":"subscribe","channel":"bogus"})"),
           std::string(R"({"type":"subscribe"})"),
           std::string(R"({"type":"unsubscribe","channel":7})"), std::string(R"({"type":"ping",)"),
           std::string(R"({"type":"PING"})"), std::string(R"({"type":"ping"} x)"),
           std::string(R"({"type":"subscribe","channel":"readings","filter":"oops"})"),
           std::string(R"({"type":"subscribe","channel":"readings","filter":{"colour":"red"}})"),
           std::string(R"({"type":"get_stats","x":NaN})"), std::string(10000, '[')}) {
    c.send_text(msg);
    expect_error(msg.substr(0, 80));
  }
  c.send_binary(std::string("\x01\x02\x03", 3));
  expect_error("binary frame");
  c.send_binary(R"({"type":"ping"})");
  expect_error("binary ping");
  // A fragmented text message is reassembled by the server.
  c.send_frame(0x1, R"({"type":)", false);
  c.send_frame(0x0, R"("ping"})", true);
  CHECK(next_json(c)["type"].str() == "pong");
  // The server answers a protocol-level ping with a pong (handled by recv()).
  c.send_ping("abc");
  CHECK(drain_until_pong(c).empty());
  CHECK(c.is_open());
  CHECK(healthy(d));
  CHECK(connections(d, "sensors") == 1);
}

TEST_CASE("oversized non-UTF-8 and unmasked messages: handled without harm") {
  daemon_process d;
  {
    ws_client c = open_ws(d, "?channel=sensors");
    c.send_text(std::string(100 * 1024, ' ') + "{}");  // over the 64 KiB message limit
    auto m = c.recv();
    REQUIRE(m.has_value());
    INFO("payload: " << m->payload.substr(0, 200));
    if (m->type == ws_message::kind::close) {
      CHECK(m->close_code == 1009);
    } else {
      CHECK(json_doc::parse(m->payload)["type"].str() == "error");
    }
  }
  {
    ws_client c = open_ws(d, "?channel=sensors");
    c.send_text("{\"type\":\"\xff\xfe\"}");  // invalid UTF-8 in a text frame
    auto m = c.recv();
    REQUIRE(m.has_value());
    if (m->type == ws_message::kind::close) {
      CHECK(m->close_code == 1007);
    } else {
      CHECK(json_doc::parse(m->payload)["type"].str() == "error");
    }
  }
  {
    ws_client c = open_ws(d, "?channel=sensors");
    c.send_frame(0x1, R"({"type":"ping"})", true, false);  // unmasked client frame
    std::vector<std::string> skipped;
    const auto closed = c.wait_close(default_timeout, &skipped);
    CHECK((closed.has_value() || c.eof()));
    if (closed) CHECK(closed->close_code == 1002);
  }
  CHECK(healthy(d));
  CHECK(wait_until([&] { return stats(d)["total_connections"].i64() == 0; }));
}

TEST_CASE("handshake rejections: unknown channel bad since bad filters wrong version") {
  daemon_process d;
  for (const char* q :
       {"?channel=bogus", "?channel=sensors,bogus", "?channel=sensors&channel=bogus",
        "?channel=SENSORS", "?since=abc", "?since=-1", "?since=1.5",
        "?since=99999999999999999999999", "?channel=sensors&colour=red",
        "?channel=readings&sensor_id=abc", "?channel=sensors&entity_id=-3",
        "?channel=sensors&event_type=exploded", "?channel=%ZZ"}) {
    ws_client c;
    const ws_handshake hs = c.connect(d.host(), d.port(), std::string("/api/v1/ws") + q);
    INFO(q << " -> " << hs.response.status << " " << hs.response.body);
    CHECK(!hs.upgraded);
    CHECK(error_mismatch(hs.response, 400, "invalid_parameter") == "");
  }
  {
    ws_client c;
    const ws_handshake hs = c.connect(d.host(), d.port(), "/api/v1/ws?channel=sensors", {}, "8");
    INFO(hs.response.status << " " << hs.response.body);
    CHECK(!hs.upgraded);
    CHECK((hs.response.status == 400 || hs.response.status == 426));
    WARN_MESSAGE(hs.response.header("sec-websocket-version") == "13",
                 "rejection does not advertise Sec-WebSocket-Version: 13 (RFC 6455 4.4)");
  }
  // No key / no upgrade.
  const http_client h = d.http();
  const http_response no_key = h.raw(
      "GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n");
  CHECK(no_key.status / 100 == 4);
  const http_response plain =
      h.raw("GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(plain.status / 100 == 4);
  {
    ws_client c;
    const ws_handshake hs = c.connect(d.host(), d.port(), "/api/v1/wsx?channel=sensors");
    CHECK(hs.response.status == 404);
  }
  for (const char* path : {"/healthz", "/api/v1/sensores/", "/api/v1/ws/stats"}) {
    ws_client c;
    const ws_handshake hs = c.connect(d.host(), d.port(), path);
    INFO(path << " upgrade -> " << hs.response.status);
    CHECK(!hs.upgraded);
    CHECK(hs.response.status / 100 == 4);
  }
  // since=0 and a valid one are accepted.
  ws_client ok = open_ws(d, "?channel=sensors&since=0");
  CHECK(healthy(d));
  CHECK(stats(d)["total_connections"].i64() == 1);
}

TEST_CASE("permessage-deflate is not negotiated - TCP upgrade headers are right") {
  daemon_process d;
  ws_client c;
  const ws_handshake hs =
      c.connect(d.host(), d.port(), "/api/v1/ws?channel=sensors",
                {{"Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"}});
  REQUIRE(hs.upgraded);
  CHECK(hs.response.header("sec-websocket-extensions").find("deflate") == std::string::npos);
  CHECK(next_json(c)["type"].str() == "connection_established");
  CHECK(c.protocol_problem().empty());
}

TEST_CASE("stats counts rise and fall with connections") {
  daemon_process d;
  const auto h = d.http();
  const json_doc s0 = stats(d);
  CHECK(stats_object_problem(s0.root()) == "");
  CHECK(s0["total_connections"].i64() == 0);

  std::vector<ws_client> sensors;
  for (int i = 0; i < 3; ++i) sensors.push_back(open_ws(d, "?channel=sensors"));
  ws_client readings = open_ws(d, "?channel=readings");
  ws_client both = open_ws(d, "?channel=sensors,readings");

  const json_doc s1 = stats(d);
  CHECK(s1["total_connections"].i64() == 5);
  CHECK(s1["channels"]["sensors"]["connections"].i64() == 4);
  CHECK(s1["channels"]["readings"]["connections"].i64() == 2);
  CHECK(s1["channels"]["general"]["connections"].i64() == 0);

  const http_response one = h.get("/api/v1/ws/stats/sensors");
  CHECK(one.status == 200);
  const json_doc oj = one.json();
  CHECK(oj.root().keys() ==
        std::set<std::string>{"channel", "connections", "messages_sent", "conflated"});
  CHECK(oj["conflated"].i64() == 0);  // SPEC §11: nobody conflates here
  CHECK(oj["channel"].str() == "sensors");
  CHECK(oj["connections"].i64() == 4);
  CHECK(oj["messages_sent"].is_int());
  CHECK(error_mismatch(h.get("/api/v1/ws/stats/bogus"), 404, "not_found") == "");
  CHECK(h.get("/api/v1/ws/stats/general").json()["connections"].i64() == 0);

  // An event raises messages_sent by at least one per subscriber, and last_seq/events_published.
  const auto sent_before = oj["messages_sent"].i64().value_or(0);
  const auto published_before = s1["events_published"].i64().value_or(0);
  create_sensor(h);
  std::int64_t seq = 0;
  for (auto& c : sensors) seq = next_json(c)["seq"].i64().value_or(0);
  CHECK(next_json(both)["seq"].i64() == seq);
  CHECK(wait_until([&] {
    return stats(d)["channels"]["sensors"]["messages_sent"].i64().value_or(0) >= sent_before + 4;
  }));
  const json_doc s2 = stats(d);
  CHECK(s2["last_seq"].i64() == seq);
  CHECK(s2["events_published"].i64() > published_before);

  // Clean closes and an abrupt TCP drop both lower the counts.
  CHECK(sensors[0].close().has_value());
  CHECK(sensors[1].close().has_value());
  sensors[2].socket().close();
  CHECK(wait_until([&] { return stats(d)["total_connections"].i64() == 2; }));
  const json_doc s3 = stats(d);
  CHECK(s3["channels"]["sensors"]["connections"].i64() == 1);
  CHECK(s3["channels"]["readings"]["connections"].i64() == 2);
  readings.socket().close();
  both.socket().close();
  CHECK(wait_until([&] { return stats(d)["total_connections"].i64() == 0; }));
  CHECK(stats(d)["channels"]["sensors"]["connections"].i64() == 0);
}

TEST_CASE("test_event reaches the channel's subscribers and reports delivered_to") {
  daemon_process d;
  const auto h = d.http();
  ws_client a = open_ws(d, "?channel=sensors");
  ws_client b = open_ws(d, "?channel=sensors");
  ws_client g = open_ws(d, "?channel=general");
  ws_client both = open_ws(d, "?channel=sensors,general");
  ws_client r = open_ws(d, "?channel=readings");

  const http_response resp =
      h.post("/api/v1/ws/test-event", R"({"channel":"sensors","message":"hola","data":{"k":1}})");
  CHECK(resp.status == 200);
  const json_doc rj = resp.json();
  CHECK(rj.root().keys() == std::set<std::string>{"delivered_to"});
  CHECK(rj["delivered_to"].i64() == 3);
  for (ws_client* c : {&a, &b, &both}) {
    const json_doc e = next_json(*c);
    CHECK(e.root().keys() ==
          std::set<std::string>{"type", "channel", "message", "data", "timestamp"});
    CHECK(e["type"].str() == "test_event");
    CHECK(e["channel"].str() == "sensors");
    CHECK(e["message"].str() == "hola");
    CHECK(e["data"].dump() == R"({"k":1})");
    CHECK(is_server_time(e["timestamp"].str()));
  }
  for (ws_client* c : {&a, &b, &g, &both, &r}) CHECK(drain_until_pong(*c).empty());

  const http_response gen =
      h.post("/api/v1/ws/test-event", R"({"channel":"general","message":"x","data":{}})");
  CHECK(gen.json()["delivered_to"].i64() == 2);
  CHECK(next_json(g)["type"].str() == "test_event");
  CHECK(next_json(both)["channel"].str() == "general");

  const http_response nobody =
      h.post("/api/v1/ws/test-event", R"({"channel":"readings","message":"x","data":{}})");
  CHECK(nobody.json()["delivered_to"].i64() == 1);
  r.socket().close();
  CHECK(wait_until([&] { return connections(d, "readings") == 0; }));
  CHECK(h.post("/api/v1/ws/test-event", R"({"channel":"readings","message":"x","data":{}})")
            .json()["delivered_to"]
            .i64() == 0);

  const http_response bad =
      h.post("/api/v1/ws/test-event", R"({"channel":"bogus","message":"x","data":{}})");
  INFO(bad.status << " " << bad.body);
  CHECK(error_mismatch(bad, 422, "validation_failed", "channel") == "");
  CHECK(error_mismatch(h.post("/api/v1/ws/test-event", R"({"channel":"sensors","message":5})"), 422,
                       "validation_failed", "message") == "");
  CHECK(error_mismatch(
            h.post("/api/v1/ws/test-event", R"({"channel":"sensors","message":"x","data":[1]})"),
            422, "validation_failed", "data") == "");
  CHECK(drain_until_pong(a).empty());
  CHECK(healthy(d));
}

TEST_CASE("an event is delivered only after its commit: the entity is readable at once") {
  daemon_process d;
  const auto h = d.http();
  ws_client c = open_ws(d, "?channel=sensors,readings");
  std::string writer_problem;
  std::thread writer([&] {
    try {
      const auto sid = create_sensor(h);
      for (int i = 0; i < 40; ++i) {
        const http_response r =
            h.post("/api/v1/lecturas/", "{\"sensor_id\":" + std::to_string(sid) + ",\"valor\":1}");
        if (r.status != 201) writer_problem = r.body;
      }
    } catch (const std::exception& e) {
      writer_problem = e.what();
    }
  });
  std::size_t missing = 0;
  for (int i = 0; i < 41; ++i) {
    auto m = c.recv_json();
    if (!m) break;
    const std::string base =
        (*m)["entity_type"].str() == "sensor" ? "/api/v1/sensores/" : "/api/v1/lecturas/";
    if (h.get(base + std::to_string((*m)["entity_id"].i64().value_or(0))).status != 200) ++missing;
  }
  writer.join();
  CHECK(writer_problem.empty());
  CHECK(missing == 0);
}

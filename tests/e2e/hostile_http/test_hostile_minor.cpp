// SPDX-License-Identifier: MIT
// End-to-end, issue 10 item 5 and 4: the small holes a hostile (or merely
// odd) client found: a negative Content-Length, "valor": -0 answered and
// published as -0.0 but stored as 0.0, and write_burst 0 ("no limit").

#include <string>
#include <vector>

#include "hostile_checks.hpp"

using namespace sensorhub::e2e;

namespace {

// The next event on a WebSocket (REQUIREd).
json_doc next_event(ws_client& c) {
  auto m = c.recv_json();
  REQUIRE(m.has_value());
  REQUIRE(m->ok());
  return std::move(*m);
}

// valor as the JSON text says it ("0.0", "-0.0", ...).
std::string valor_text(jv entity) { return entity["valor"].dump(); }

}  // namespace

TEST_CASE("Content-Length: -1 is 400 invalid_parameter and the connection closes") {
  daemon_process d;
  for (const char* length : {"-1", "-0", "+5", " 5x"}) {
    http1_connection c = connect_http1(d);
    c.send(
        "POST /api/v1/sensores/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Content-Length: " +
        std::string(length) + "\r\n\r\n{}");
    const http_response r = c.read();
    INFO("Content-Length: " << length);
    CHECK(error_mismatch(r, 400, "invalid_parameter") == "");
    CHECK(c.wait_closed());
  }
  CHECK(d.http().get("/api/v1/sensores/").json().root().size() == 0);
  CHECK(healthy(d));
}

TEST_CASE("\"valor\": -0 is 0.0 in the answer, the event and GET alike (POST, batch, PUT, PATCH)") {
  daemon_process d;
  const auto h = d.http();
  ws_client events = open_ws(d, "?channel=readings");
  const std::string sid = std::to_string(create_sensor(h));

  const json_doc created =
      post_created(h, "/api/v1/lecturas/", "{\"sensor_id\":" + sid + ",\"valor\":-0}");
  const std::string id = std::to_string(*created["id"].i64());
  const json_doc e1 = next_event(events);
  const json_doc got = h.get("/api/v1/lecturas/" + id).json();
  CHECK(valor_text(created.root()) == "0.0");
  CHECK(valor_text(e1["data"]) == valor_text(created.root()));
  CHECK(valor_text(got.root()) == valor_text(created.root()));

  // A batch of -0 and -0.0.
  const http_response batch = h.post(
      "/api/v1/lecturas/batch",
      "[{\"sensor_id\":" + sid + ",\"valor\":-0},{\"sensor_id\":" + sid + ",\"valor\":-0.0}]");
  REQUIRE(batch.status == 201);
  for (int i = 0; i < 2; ++i) {
    const json_doc e = next_event(events);
    CHECK(valor_text(e["data"]) == "0.0");
    const json_doc stored = h.get("/api/v1/lecturas/" + e["data"]["id"].dump()).json();
    CHECK(valor_text(stored.root()) == "0.0");
  }

  // PUT and PATCH: 5, then -0 (a real change to 0.0), then -0.0 again (none).
  REQUIRE(h.put("/api/v1/lecturas/" + id, R"({"valor":5})").status == 200);
  (void)next_event(events);
  for (const char* method : {"PUT", "PATCH"}) {
    const http_response r =
        h.request(method, "/api/v1/lecturas/" + id, std::string(R"({"valor":-0.0})"));
    REQUIRE(r.status == 200);
    CHECK(valor_text(r.json().root()) == "0.0");
    CHECK(valor_text(h.get("/api/v1/lecturas/" + id).json().root()) == "0.0");
  }
  // Exactly one update event for the two writes of -0.0 (the second changed nothing).
  const json_doc upd = next_event(events);
  CHECK(upd["event_type"].str() == "updated");
  CHECK(valor_text(upd["data"]) == "0.0");
  CHECK(drain_until_pong(events).empty());
  CHECK(healthy(d));
}

TEST_CASE("limits.write_burst 0 is accepted and means no limit: 300 quick writes all pass") {
  temp_config cfg(R"({"limits":{"write_burst":0,"write_rate_per_s":1}})");
  daemon_process d({"--config", cfg.path()});  // tokens and write limits on
  const std::string token = d.create_token("writer", "read,write");
  REQUIRE(wait_until([&] {
    return d.http().request("GET", "/api/v1/sensores/", std::nullopt, bearer(token)).status == 200;
  }));
  const std::string body = R"({"tipo":"t","modelo":"m"})";
  int created = 0;
  for (int i = 0; i < 300; ++i) {
    const http_response r = d.http().request("POST", "/api/v1/sensores/", body, bearer(token));
    if (r.status == 201)
      ++created;
    else
      FAIL_CHECK("write " << i << ": " << r.status << " " << r.body);
  }
  CHECK(created == 300);
  CHECK(healthy(d));
}

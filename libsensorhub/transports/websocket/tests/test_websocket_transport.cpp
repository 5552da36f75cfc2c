// SPDX-License-Identifier: MIT
// The WebSocket transport over real sockets (loopback), with an in-memory hub.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <string>
#include <thread>
#include <utility>

#include "ws_test_client.hpp"

#include <doctest/doctest.h>

#include "sensorhub/error.hpp"
#include "sensorhub/hub.hpp"
#include "sensorhub/transports/websocket.hpp"
#include "ws_query.hpp"

using namespace sensorhub;
using sensorhub_test::client;
using sensorhub_test::upgrade;

namespace {

struct fixture {
  fixture() : h(make_options()) {
    websocket_options o;
    o.port = 0;
    o.http_handler = [](const http_request& req, http_responder respond) {
      // Answer from another thread, as the daemon does after a commit.
      std::thread([req, respond] {
        http_response r;
        r.body = "{\"path\":\"" + req.path + "\",\"query\":\"" + req.query +
                 "\",\"len\":" + std::to_string(req.body.size()) + "}";
        respond(r);
      }).detach();
    };
    ws = std::make_shared<websocket_transport>(o);
    h.add_transport(ws);
    h.start();
  }
  static hub_options make_options() {
    hub_options o;
    o.storage.path = ":memory:";
    return o;
  }
  hub h;
  std::shared_ptr<websocket_transport> ws;
};

}  // namespace

TEST_CASE("parse_ws_query: channels, since, filters, refusals") {
  auto q = ws_detail::parse_ws_query("");
  REQUIRE(q.session.channels.size() == 1);
  CHECK(q.session.channels[0] == channel::general);

  q = ws_detail::parse_ws_query("channel=sensors,readings&channel=sensors&since=7&sensor_id=3");
  CHECK(q.session.channels == std::vector<channel>{channel::sensors, channel::readings});
  CHECK(q.session.since == std::optional<std::uint64_t>(7));
  CHECK(q.session.filter.sensor_id == std::vector<std::int64_t>{3});

  q = ws_detail::parse_ws_query("snapshot=true&token=abc");
  CHECK(q.session.snapshot);
  CHECK(q.token == std::optional<std::string>("abc"));
  CHECK_FALSE(q.session.conflate);

  CHECK(ws_detail::parse_ws_query("channel=sensors,readings&conflate=true").session.conflate);
  CHECK_FALSE(ws_detail::parse_ws_query("conflate=false").session.conflate);

  for (const char* bad :
       {"channel=bogus", "since=-1", "since=x", "since=1&since=2", "foo=1", "entity_id=abc",
        "event_type=exploded", "snapshot=maybe", "channel=%zz", "conflate=yes", "conflate=1",
        "conflate=", "conflate", "conflate=TRUE", "conflate=true&conflate=true"}) {
    INFO(bad);
    CHECK_THROWS_AS(ws_detail::parse_ws_query(bad), sensorhub::error);
  }
}

TEST_CASE("HTTP requests reach the handler and may be answered from any thread") {
  fixture f;
  REQUIRE(f.ws->port() != 0);
  client c(f.ws->port());
  // Keep-alive: two requests on one connection, the second pipelined in
  // the same write and closing it (SPEC §9).
  c.send(
      "POST /a/b?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
      "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string r = c.read_all();
  CHECK(r.rfind("HTTP/1.1 200", 0) == 0);
  const auto first = r.find(R"({"path":"/a/b","query":"x=1","len":3})");
  const auto second = r.find(R"({"path":"/c","query":"","len":0})");
  CHECK(first != std::string::npos);
  CHECK(second != std::string::npos);
  CHECK(first < second);
  CHECK(r.find("Connection: close") > first);  // only the last answer closes
}

TEST_CASE(
    "chunked bodies arrive decoded, missing lengths, odd versions and bad upgrades are refused") {
  fixture f;
  {
    client c(f.ws->port());
    c.send("POST /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    const std::string r = c.read_all();
    CHECK(r.rfind("HTTP/1.1 411", 0) == 0);
    CHECK(r.find("\"length_required\"") != std::string::npos);
  }
  {
    client c(f.ws->port());
    c.send(
        "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n"
        "\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
    const std::string r = c.read_all();
    CHECK(r.rfind("HTTP/1.1 200", 0) == 0);
    CHECK(r.find(R"("len":5)") != std::string::npos);
  }
  {
    client c(f.ws->port());
    c.send(
        "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n"
        "\r\n3\r\nabc\r\n0\r\n\r\n");
    CHECK(c.read_all().rfind("HTTP/1.1 400", 0) == 0);  // smuggling guard: answered and closed
  }
  {
    client c(f.ws->port());
    c.send("GET /a HTTP/9.9\r\nHost: x\r\n\r\n");
    CHECK(c.read_all().rfind("HTTP/1.1 505", 0) == 0);
  }
  {
    client c(f.ws->port());
    c.send(upgrade("/api/v1/ws", "8"));
    const std::string r = c.read_all();
    CHECK(r.rfind("HTTP/1.1 400", 0) == 0);
    CHECK(r.find("Sec-WebSocket-Version: 13") != std::string::npos);
  }
  {
    client c(f.ws->port());  // hybi00: no version header at all
    c.send(
        "GET /api/v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key1: 1 2\r\nSec-WebSocket-Key2: 3 4\r\n\r\n12345678");
    CHECK(c.read_all().rfind("HTTP/1.1 400", 0) == 0);
  }
  {
    client c(f.ws->port());
    c.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n");
    const std::string r = c.read_all();
    CHECK(r.rfind("HTTP/1.1 413", 0) == 0);
    CHECK(r.find("\"payload_too_large\"") != std::string::npos);
  }
}

TEST_CASE("a bad WebSocket query is refused with 400 and a JSON body") {
  fixture f;
  client c(f.ws->port());
  c.send(upgrade("/api/v1/ws?channel=bogus"));
  const std::string r = c.read_all();
  CHECK(r.rfind("HTTP/1.1 400", 0) == 0);
  CHECK(r.find("\"invalid_parameter\"") != std::string::npos);
}

TEST_CASE("a WebSocket gets the greeting, events, and 1001 when the transport stops") {
  fixture f;
  client c(f.ws->port());
  c.send(upgrade("/api/v1/ws?channel=sensors,general"));
  const std::string head = c.read_until("\r\n\r\n");
  REQUIRE(head.rfind("HTTP/1.1 101", 0) == 0);
  CHECK(head.find("permessage-deflate") == std::string::npos);
  auto m = c.frame();
  CHECK(m.first == 1);
  CHECK(m.second.find("\"connection_established\"") != std::string::npos);
  m = c.frame();
  CHECK(m.second.find("\"stats\"") != std::string::npos);

  f.h.sensors().create(sensor_patch{std::string("temperatura"), std::string("DHT22"), {}, {}});
  m = c.frame();
  CHECK(m.second.find("\"entity_event\"") != std::string::npos);
  CHECK(m.second.find("\"created\"") != std::string::npos);

  CHECK(f.h.publish_test_event(channel::sensors, "hi", "{}") == 1);
  m = c.frame();
  CHECK(m.second.find("\"test_event\"") != std::string::npos);

  f.h.stop();  // server_stopping on general, then close 1001
  m = c.frame();
  CHECK(m.second.find("\"server_stopping\"") != std::string::npos);
  m = c.frame();
  REQUIRE(m.first == 8);
  REQUIRE(m.second.size() >= 2);
  CHECK(((static_cast<unsigned char>(m.second[0]) << 8) |
         static_cast<unsigned char>(m.second[1])) == 1001);
}

TEST_CASE("error_response: the SPEC §2 status and body, valid UTF-8 even from bad input") {
  auto r = error_response(errc::not_found, "sensor 5 not found");
  CHECK(r.status == 404);
  CHECK(r.content_type == "application/json");
  CHECK(r.body == R"({"error":"not_found","detail":"sensor 5 not found"})");

  r = error_response(errc::validation_failed, "validation failed",
                     {{"tipo", "required"}, {"[0].valor", "out of range"}});
  CHECK(r.status == 422);
  CHECK(r.body == R"({"error":"validation_failed","detail":"validation failed",)"
                  R"("fields":{"[0].valor":"out of range","tipo":"required"}})");

  CHECK(error_response(errc::storage, "x").status == 500);
  CHECK(error_response(errc::storage, "x").body == R"({"error":"internal_error","detail":"x"})");
  // A lone continuation byte and a truncated sequence become U+FFFD; quotes are escaped.
  CHECK(error_response(errc::invalid_parameter, "a\x80\"b\xC3").body ==
        "{\"error\":\"invalid_parameter\",\"detail\":\"a\xEF\xBF\xBD\\\"b\xEF\xBF\xBD\"}");
}

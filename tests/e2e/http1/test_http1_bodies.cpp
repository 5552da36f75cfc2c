// SPDX-License-Identifier: MIT
// End-to-end, SPEC §9: request bodies and heads against the real daemon over
// raw sockets: chunked bodies, Expect: 100-continue (100 or the final error
// instead of it), HEAD (200, 404 and 405 without a body), the smuggling guards (Content-Length with
// Transfer-Encoding, two Content-Lengths) and 411.

#include <set>
#include <string>

#include "support/gate.hpp"
#include "http1_checks.hpp"

using namespace sensorhub::e2e;

namespace {

std::set<std::string> header_names(const http_response& r, const std::set<std::string>& except) {
  std::set<std::string> names;
  for (const auto& [name, value] : r.headers) {
    if (except.count(name) == 0) names.insert(name);
  }
  return names;
}

// A JSON POST head announcing `length` bytes with Expect: 100-continue.
std::string expecting_head(const http1_connection& c, const std::string& target, std::size_t length,
                           header_list headers = {}) {
  headers.emplace_back("Content-Length", std::to_string(length));
  headers.emplace_back("Expect", "100-continue");
  bool typed = false;
  for (const auto& h : headers) typed = typed || h.first == "Content-Type";
  if (!typed) headers.emplace_back("Content-Type", "application/json");
  return http1_request("POST", target, c.authority(), headers);
}

}  // namespace

TEST_CASE("a chunked POST body creates a sensor") {
  daemon_process d;
  auto c = connect_http1(d);
  const std::string body = sensor_body("chunked-one");
  c.send(http1_request("POST", "/api/v1/sensores", c.authority(),
                       {{"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}},
                       chunk_body(body, 7)));
  const http_response r = c.read();
  INFO(r.body);
  REQUIRE(r.status == 201);
  const auto id = r.json()["id"].i64();
  REQUIRE(id.has_value());
  const http_response got = d.http().get("/api/v1/sensores/" + std::to_string(*id));
  CHECK(got.status == 200);
  CHECK(got.json()["modelo"].str() == "chunked-one");
}

TEST_CASE("a chunked body over the route's limit is 413 (the limit applies to the decoded body)") {
  daemon_process d;
  auto c = connect_http1(d);
  // 1.5 MiB of JSON string on a route that allows 1 MiB; no length up front.
  const std::string body = "{\"tipo\":\"" + std::string(1536u << 10, 'x') + "\"}";
  c.send_until_answered(
      http1_request("POST", "/api/v1/sensores", c.authority(),
                    {{"Content-Type", "application/json"}, {"Transfer-Encoding", "chunked"}},
                    chunk_body(body, 64u << 10)));
  CHECK(error_mismatch(c.read(), 413, "payload_too_large") == "");
  CHECK(d.http().get("/api/v1/sensores").json().root().size() == 0);
}

TEST_CASE("Expect: 100-continue gets 100 Continue before the body, then 201") {
  daemon_process d;
  auto c = connect_http1(d);
  const std::string body = sensor_body("expected");
  c.send(expecting_head(c, "/api/v1/sensores", body.size()));
  const http_response interim = c.read(true);
  REQUIRE(interim.status == 100);
  c.send(body);
  const http_response r = c.read();
  CHECK(r.status == 201);
  CHECK(r.json()["modelo"].str() == "expected");
}

TEST_CASE("Expect: 100-continue gets the final error instead of 100 when the head is refused") {
  SUBCASE("a bad token: 401, no 100") {
    daemon_process d(std::vector<std::string>{});  // tokens required
    const std::string writer = d.create_token("writer", "write");
    // The daemon polls the tokens table: wait until it knows this one (a
    // write-only token reading stats gets 403 instead of 401).
    REQUIRE(wait_until([&] {
      return d.http()
                 .request("GET", "/api/v1/ws/stats", std::nullopt,
                          {{"Authorization", "Bearer " + writer}})
                 .status != 401;
    }));
    auto c = connect_http1(d);
    c.send(expecting_head(c, "/api/v1/sensores", 64, {{"Authorization", "Bearer not-a-token"}}));
    const http_response r = c.read();
    CHECK(error_mismatch(r, 401, "unauthorized") == "");
    // The same head with the right token is invited to send its body.
    auto ok = connect_http1(d);
    const std::string body = sensor_body("with-token");
    ok.send(expecting_head(ok, "/api/v1/sensores", body.size(),
                           {{"Authorization", "Bearer " + writer}}));
    REQUIRE(ok.read(true).status == 100);
    ok.send(body);
    CHECK(ok.read().status == 201);
  }
  SUBCASE("a Content-Length over the limit: 413, no 100") {
    daemon_process d;
    auto c = connect_http1(d);
    c.send(expecting_head(c, "/api/v1/sensores", 2u << 20));  // the route allows 1 MiB
    CHECK(error_mismatch(c.read(), 413, "payload_too_large") == "");
  }
  SUBCASE("a body that is not JSON: 415, no 100") {
    daemon_process d;
    auto c = connect_http1(d);
    c.send(expecting_head(c, "/api/v1/sensores", 10, {{"Content-Type", "text/plain"}}));
    CHECK(error_mismatch(c.read(), 415, "unsupported_media_type") == "");
  }
}

TEST_CASE("HEAD /api/v1/sensores has GET's headers and no body") {
  daemon_process d;
  create_sensor(d.http(), "temperatura", "listed");
  auto c = connect_http1(d);
  // HEAD, then GET in one write: had HEAD's answer a body, the GET's answer
  // would not start where the HEAD's headers end.
  c.send(bodiless(c, "HEAD", "/api/v1/sensores") + bodiless(c, "GET", "/api/v1/sensores"));
  const http_response head = c.read(true);
  const http_response get = c.read();
  CHECK(head.status == 200);
  CHECK(get.status == 200);
  CHECK(get.json().root().size() == 1);
  CHECK(head.header("content-type") == get.header("content-type"));
  CHECK(head.header("content-length") == std::to_string(get.body.size()));
  CHECK(header_names(head, {"date"}) == header_names(get, {"date"}));
  CHECK(c.leftover().empty());
}

TEST_CASE("HEAD /metrics and HEAD / answer like GET without a body") {
  daemon_process d;
  for (const std::string path : {"/metrics", "/"}) {
    INFO(path);
    auto c = connect_http1(d);
    c.send(bodiless(c, "HEAD", path) + bodiless(c, "GET", path));
    const http_response head = c.read(true);
    const http_response get = c.read();
    CHECK(head.status == 200);
    CHECK(get.status == 200);
    CHECK(!get.body.empty());
    CHECK(head.header("content-type") == get.header("content-type"));
    // /metrics counts the HEAD itself, so its length may differ from GET's.
    CHECK(!head.header("content-length").empty());
    CHECK(header_names(head, {"date"}) == header_names(get, {"date"}));
    CHECK(c.leftover().empty());
  }
}

TEST_CASE("HEAD /metrics is 200 without a body and the connection serves the next request") {
  daemon_process d;
  auto c = connect_http1(d);
  c.send(bodiless(c, "HEAD", "/metrics"));
  const http_response head = c.read(true);
  CHECK(head.status == 200);
  CHECK(head.body.empty());
  CHECK(std::stoul(head.header("content-length")) > 0);
  // Sent only after HEAD's answer was read: a body would be read as the
  // start of the next answer.
  c.send(bodiless(c, "GET", "/healthz"));
  const http_response next = c.read();
  CHECK(next.status == 200);
  CHECK(next.json()["status"].str() == "ok");
  CHECK(c.leftover().empty());
}

TEST_CASE("HEAD on an unknown id is 404 with GET's headers and no body") {
  daemon_process d;
  auto c = connect_http1(d);
  c.send(bodiless(c, "HEAD", "/api/v1/sensores/987654") +
         bodiless(c, "GET", "/api/v1/sensores/987654"));
  const http_response head = c.read(true);
  const http_response get = c.read();
  CHECK(head.status == 404);
  CHECK(get.status == 404);
  CHECK(error_mismatch(get, 404, "not_found") == "");
  CHECK(head.header("content-length") == std::to_string(get.body.size()));
  CHECK(head.header("content-type") == get.header("content-type"));
  CHECK(c.leftover().empty());
}

TEST_CASE("HEAD on a POST-only route is 405 with Allow, and Allow names HEAD wherever GET is") {
  daemon_process d;
  auto c = connect_http1(d);
  c.send(bodiless(c, "HEAD", "/api/v1/lecturas/batch") + bodiless(c, "GET", "/healthz"));
  const http_response head = c.read(true);
  CHECK(head.status == 405);
  CHECK(head.header("allow") == "POST");
  CHECK(!head.header("content-length").empty());
  CHECK(c.read().status == 200);  // no body in between, the connection stays open
  c.send(bodiless(c, "DELETE", "/api/v1/sensores"));
  const http_response del = c.read();
  CHECK(error_mismatch(del, 405, "method_not_allowed") == "");
  CHECK(del.header("allow") == "GET, HEAD, POST");
  CHECK(c.leftover().empty());
}

TEST_CASE("Content-Length with Transfer-Encoding is 400 and the connection is closed") {
  daemon_process d;
  auto c = connect_http1(d);
  const std::string body = sensor_body("smuggled");
  c.send(http1_request("POST", "/api/v1/sensores", c.authority(),
                       {{"Content-Type", "application/json"},
                        {"Content-Length", std::to_string(body.size())},
                        {"Transfer-Encoding", "chunked"}},
                       chunk_body(body, 8)));
  const http_response r = c.read();
  CHECK(r.status == 400);
  CHECK(c.wait_closed());
  CHECK(d.http().get("/api/v1/sensores").json().root().size() == 0);
}

TEST_CASE("two different Content-Length values are 400 and the connection is closed") {
  daemon_process d;
  auto c = connect_http1(d);
  const std::string body = sensor_body("twice");
  c.send(http1_request("POST", "/api/v1/sensores", c.authority(),
                       {{"Content-Type", "application/json"},
                        {"Content-Length", std::to_string(body.size())},
                        {"Content-Length", std::to_string(body.size() + 5)}},
                       body + "xxxxx"));
  const http_response r = c.read();
  CHECK(r.status == 400);
  CHECK(c.wait_closed());
  CHECK(d.http().get("/api/v1/sensores").json().root().size() == 0);
}

TEST_CASE("a POST without Content-Length or Transfer-Encoding is 411") {
  daemon_process d;
  auto c = connect_http1(d);
  c.send(bodiless(c, "POST", "/api/v1/sensores", {{"Content-Type", "application/json"}}));
  CHECK(error_mismatch(c.read(), 411, "length_required") == "");
}

// SPDX-License-Identifier: MIT
// admission: the socket cap, the plain-HTTP body rules and the checks of a
// WebSocket upgrade, without sockets (the wire side is in
// test_websocket_transport and the e2e tests).
#include <doctest/doctest.h>

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "policy/admission.hpp"

using namespace sensorhub;
using ws_detail::admission;

namespace {

http_request upgrade_request(std::string path = "/api/v1/ws", std::string query = "",
                             std::string address = "10.0.0.1") {
  http_request r;
  r.method = "GET";
  r.path = std::move(path);
  r.query = std::move(query);
  r.headers["sec-websocket-version"] = "13";
  r.remote_address = std::move(address);
  return r;
}

std::string header(const http_response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return "";
}

// The "error" member of a SPEC §2 body.
bool has_code(const http_response& r, const std::string& code) {
  return r.body.find("\"error\":\"" + code + "\"") != std::string::npos;
}

}  // namespace

TEST_CASE("admission: 503 while stopping and over the socket cap, not at it") {
  websocket_options o;
  o.max_connections = 3;
  const admission a(o);
  CHECK_FALSE(a.refuse_request(false, 3));
  const auto over = a.refuse_request(false, 4);
  REQUIRE(over);
  CHECK(over->status == 503);
  CHECK(over->body.find("too many connections") != std::string::npos);
  const auto stopping = a.refuse_request(true, 0);
  REQUIRE(stopping);
  CHECK(stopping->status == 503);
  CHECK(stopping->body.find("server is shutting down") != std::string::npos);
}

TEST_CASE("admission: a body route without a length is 411") {
  const websocket_options o;
  const admission a(o);
  CHECK_FALSE(a.refuse_missing_length("GET", false, false));
  CHECK_FALSE(a.refuse_missing_length("DELETE", false, false));
  CHECK_FALSE(a.refuse_missing_length("POST", false, true));
  CHECK_FALSE(a.refuse_missing_length("POST", true, false));
  for (const char* m : {"POST", "PUT", "PATCH"}) {
    INFO(m);
    const auto r = a.refuse_missing_length(m, false, false);
    REQUIRE(r);
    CHECK(r->status == 411);
    CHECK(has_code(*r, "length_required"));
  }
}

TEST_CASE("admission: an upgrade is granted its session options and principal") {
  websocket_options o;
  o.backlog_limit = 12345;
  std::vector<std::string> seen_paths;
  std::vector<channel> seen_channels;
  o.handshake_check = [&](const http_request&, std::string_view path, std::string& principal,
                          session_options& session) -> std::optional<http_response> {
    seen_paths.emplace_back(path);
    seen_channels = session.channels;
    principal = "sensor-writer";
    session.scope.tipo = {"narrowed"};  // a token's data scope
    return std::nullopt;
  };
  const admission a(o);
  const auto v = a.check_upgrade(upgrade_request("/api/v1/ws/secure", "channel=readings&since=4"));
  CHECK_FALSE(v.refusal);
  CHECK(v.grant.principal == "sensor-writer");
  CHECK(v.grant.session.channels == std::vector<channel>{channel::readings});
  CHECK(v.grant.session.since == std::optional<std::uint64_t>(4));
  CHECK(v.grant.session.backlog_limit == 12345);
  CHECK(seen_paths == std::vector<std::string>{"/api/v1/ws/secure"});
  CHECK(seen_channels == std::vector<channel>{channel::readings});  // the hook sees the query
  CHECK(v.grant.session.scope.tipo == std::vector<std::string>{"narrowed"});
}

TEST_CASE("admission: upgrade refusals, in order") {
  websocket_options o;
  int checks = 0;
  o.handshake_check = [&](const http_request& req, std::string_view, std::string&,
                          session_options&) -> std::optional<http_response> {
    ++checks;
    if (req.query.find("token=bad") != std::string::npos) {
      return error_response(errc::unauthorized, "bad token");
    }
    return std::nullopt;
  };
  const admission a(o);

  auto req = upgrade_request();
  req.headers["sec-websocket-version"] = "8";
  auto v = a.check_upgrade(req);
  REQUIRE(v.refusal);
  CHECK(v.refusal->status == 400);
  CHECK(header(*v.refusal, "Sec-WebSocket-Version") == "13");
  CHECK(v.refusal->body.find(ws_detail::bad_version_detail) != std::string::npos);

  v = a.check_upgrade(upgrade_request("/api/v1/other"));
  REQUIRE(v.refusal);
  CHECK(v.refusal->status == 404);

  v = a.check_upgrade(upgrade_request("/api/v1/ws", "channel=bogus"));
  REQUIRE(v.refusal);
  CHECK(v.refusal->status == 400);
  CHECK(has_code(*v.refusal, "invalid_parameter"));
  CHECK(checks == 0);  // the hook only sees valid queries

  v = a.check_upgrade(upgrade_request("/api/v1/ws", "token=bad"));
  REQUIRE(v.refusal);
  CHECK(v.refusal->status == 401);
  CHECK(checks == 1);
}

TEST_CASE("admission: a throwing handshake_check refuses with 500 and is logged") {
  websocket_options o;
  std::vector<std::string> lines;
  o.logger = [&](websocket_options::log_level l, std::string_view msg) {
    if (l == websocket_options::log_level::error) lines.emplace_back(msg);
  };
  o.handshake_check = [](const http_request&, std::string_view, std::string&,
                         session_options&) -> std::optional<http_response> {
    throw std::runtime_error("store is down");
  };
  const admission a(o);
  const auto v = a.check_upgrade(upgrade_request());
  REQUIRE(v.refusal);
  CHECK(v.refusal->status == 500);
  CHECK(v.refusal->body.find("handshake check failed") != std::string::npos);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].find("store is down") != std::string::npos);
}

TEST_CASE("admission: WebSockets per address are capped, counted and released") {
  websocket_options o;
  o.max_connections_per_address = 2;
  admission a(o);
  a.count("10.0.0.1");
  a.count("10.0.0.1");
  a.count("10.0.0.2");
  a.count("");  // an unknown address is never counted
  CHECK(a.websockets_from("10.0.0.1") == 2);
  CHECK(a.websockets_from("") == 0);

  auto v = a.check_upgrade(upgrade_request("/api/v1/ws", "", "10.0.0.1"));
  REQUIRE(v.refusal);
  CHECK(v.refusal->status == 429);
  CHECK(has_code(*v.refusal, "rate_limited"));
  CHECK(header(*v.refusal, "Retry-After") == "1");
  CHECK_FALSE(a.check_upgrade(upgrade_request("/api/v1/ws", "", "10.0.0.2")).refusal);
  CHECK_FALSE(a.check_upgrade(upgrade_request("/api/v1/ws", "", "")).refusal);

  a.release("10.0.0.1");
  CHECK(a.websockets_from("10.0.0.1") == 1);
  CHECK_FALSE(a.check_upgrade(upgrade_request("/api/v1/ws", "", "10.0.0.1")).refusal);
  a.release("10.0.0.1");
  a.release("10.0.0.1");  // never below zero
  CHECK(a.websockets_from("10.0.0.1") == 0);
}

TEST_CASE("admission: max_connections_per_address 0 means no cap") {
  websocket_options o;
  o.max_connections_per_address = 0;
  admission a(o);
  for (int i = 0; i < 1000; ++i) a.count("10.0.0.1");
  CHECK_FALSE(a.check_upgrade(upgrade_request()).refusal);
}

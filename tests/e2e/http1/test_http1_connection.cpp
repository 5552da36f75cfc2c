// SPDX-License-Identifier: MIT
// End-to-end, SPEC §9: persistent connections against the real daemon over
// raw sockets: keep-alive, pipelining in order, Connection: close, HTTP/1.0,
// the idle timeout, and a WebSocket upgrade after plain requests on one
// connection.

#include <string>

#include "http1_checks.hpp"

using namespace sensorhub::e2e;

TEST_CASE("two requests on one keep-alive connection are both answered") {
  daemon_process d;
  auto c = connect_http1(d);
  c.send(json_post(c, "/api/v1/sensores", sensor_body("first")));
  const http_response created = c.read();
  REQUIRE(created.status == 201);
  const auto id = created.json()["id"].i64();
  REQUIRE(id.has_value());
  CHECK(created.header("connection").find("close") == std::string::npos);

  c.send(bodiless(c, "GET", "/api/v1/sensores/" + std::to_string(*id)));
  const http_response got = c.read();
  CHECK(got.status == 200);
  CHECK(got.json()["modelo"].str() == "first");
}

TEST_CASE("three pipelined requests in one write are answered in order") {
  daemon_process d;
  auto c = connect_http1(d);
  // A write (a commit), then two fast reads: answers must keep this order.
  c.send(json_post(c, "/api/v1/sensores", sensor_body("piped")) + bodiless(c, "GET", "/healthz") +
         bodiless(c, "GET", "/api/v1/sensores"));
  const http_response first = c.read();
  const http_response second = c.read();
  const http_response third = c.read();
  CHECK(first.status == 201);
  CHECK(first.json()["modelo"].str() == "piped");
  CHECK(second.status == 200);
  CHECK(second.json()["status"].str() == "ok");
  CHECK(third.status == 200);
  const json_doc list = third.json();
  REQUIRE(list.ok());
  REQUIRE(list.root().size() == 1);
  CHECK(list.at(0)["modelo"].str() == "piped");
}

TEST_CASE("Connection: close is honoured") {
  daemon_process d;
  auto c = connect_http1(d);
  c.send(bodiless(c, "GET", "/healthz", {{"Connection", "close"}}));
  const http_response r = c.read();
  CHECK(r.status == 200);
  CHECK(c.wait_closed());
  CHECK(c.leftover().empty());
}

TEST_CASE("HTTP/1.0 closes by default and stays open with Connection: keep-alive") {
  daemon_process d;
  SUBCASE("by default: one request, then closed") {
    auto c = connect_http1(d);
    c.send(bodiless(c, "GET", "/healthz", {}, 0));
    CHECK(c.read().status == 200);
    CHECK(c.wait_closed());
  }
  SUBCASE("with Connection: keep-alive: a second request on the same socket") {
    auto c = connect_http1(d);
    c.send(bodiless(c, "GET", "/healthz", {{"Connection", "keep-alive"}}, 0));
    const http_response first = c.read();
    CHECK(first.status == 200);
    // An HTTP/1.0 client only knows the connection stays open from this header.
    CHECK(first.header("connection").find("keep-alive") != std::string::npos);
    c.send(bodiless(c, "GET", "/api/v1/sensores", {{"Connection", "keep-alive"}}, 0));
    const http_response second = c.read();
    CHECK(second.status == 200);
    CHECK(second.json().root().size() == 0);
  }
}

TEST_CASE("an idle keep-alive connection is closed after the configured idle timeout") {
  daemon_process d({"--test-endpoints", "--no-auth", "--idle-timeout-ms", "1000"});
  auto c = connect_http1(d);
  c.send(bodiless(c, "GET", "/healthz"));
  CHECK(c.read().status == 200);
  // Still open after an answer (a keep-alive connection, not a one-shot one).
  c.send(bodiless(c, "GET", "/healthz"));
  CHECK(c.read().status == 200);
  // Then nothing more is sent: the daemon closes it (well before 10 s).
  CHECK(c.wait_closed());
  CHECK(c.leftover().empty());
}

TEST_CASE("a WebSocket upgrade works on a keep-alive connection after a plain request") {
  daemon_process d;
  auto c = connect_http1(d);
  c.send(bodiless(c, "GET", "/healthz"));
  REQUIRE(c.read().status == 200);
  c.send(json_post(c, "/api/v1/sensores", sensor_body("before-upgrade")));
  REQUIRE(c.read().status == 201);

  const std::string authority = c.authority();
  ws_client ws;
  const ws_handshake hs = ws.upgrade(c.release(), authority, "/api/v1/ws?channel=sensors");
  INFO("handshake: " << hs.response.status << " " << hs.problem);
  REQUIRE(hs.upgraded);
  const auto greeting = ws.recv_json();
  REQUIRE(greeting.has_value());
  CHECK((*greeting)["type"].str() == "connection_established");
  const auto stats = ws.recv_json();
  REQUIRE(stats.has_value());
  CHECK((*stats)["type"].str() == "stats");

  // The upgraded connection carries events like any other WebSocket.
  create_sensor(d.http(), "humedad", "after-upgrade");
  const auto event = ws.recv_json();
  REQUIRE(event.has_value());
  CHECK((*event)["type"].str() == "entity_event");
  CHECK((*event)["data"]["modelo"].str() == "after-upgrade");
}

// SPDX-License-Identifier: MIT
// URLs and connect queries of sensorhub::client.

#include <doctest/doctest.h>

#include <stdexcept>

#include "sensorhub/client/client.hpp"
#include "url.hpp"

using namespace sensorhub::client::detail;

TEST_CASE("http:// and ws:// map to the daemon's WebSocket endpoint") {
  const ws_url a = parse_url("http://127.0.0.1:8000");
  CHECK(a.host == "127.0.0.1");
  CHECK(a.port == 8000);
  CHECK(a.path == "/api/v1/ws");
  CHECK(parse_url("ws://localhost:9/").path == "/api/v1/ws");
  CHECK(parse_url("ws://localhost").port == 80);
  CHECK(parse_url("ws://h:1/api/v1/ws/secure").path == "/api/v1/ws/secure");
  const ws_url v6 = parse_url("ws://[::1]:8000");
  CHECK(v6.host == "::1");
  CHECK(v6.port == 8000);
}

TEST_CASE("wss:// and https:// are TLS with default port 443") {
  const ws_url a = parse_url("wss://example.org");
  CHECK(a.tls);
  CHECK(a.host == "example.org");
  CHECK(a.port == 443);
  CHECK(a.path == "/api/v1/ws");
  const ws_url b = parse_url("https://127.0.0.1/");
  CHECK(b.tls);
  CHECK(b.port == 443);
  CHECK(b.path == "/api/v1/ws");
  const ws_url c = parse_url("https://[::1]:8443/api/v1/ws/secure");
  CHECK(c.tls);
  CHECK(c.host == "::1");
  CHECK(c.port == 8443);
  CHECK(c.path == "/api/v1/ws/secure");
  CHECK_FALSE(parse_url("ws://h").tls);
  CHECK_FALSE(parse_url("http://h:1").tls);
  // A client for a TLS URL is built (it does not connect yet).
  sensorhub::client::client_options o;
  o.url = "https://127.0.0.1:1";
  CHECK_NOTHROW(sensorhub::client::client{o});
}

TEST_CASE("a CA file that cannot be read is refused before anything connects") {
  sensorhub::client::client_options o;
  o.url = "wss://127.0.0.1:1";
  o.tls_ca_file = "/nonexistent/ca.pem";
  try {
    sensorhub::client::client c{o};
    FAIL("a missing CA file was accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("/nonexistent/ca.pem") != std::string::npos);
  }
}

TEST_CASE("bad URLs are refused with a clear message") {
  CHECK_THROWS_AS(parse_url("ftp://x"), std::invalid_argument);
  CHECK_THROWS_AS(parse_url("ws://"), std::invalid_argument);
  CHECK_THROWS_AS(parse_url("ws://h:0"), std::invalid_argument);
  CHECK_THROWS_AS(parse_url("ws://h:65536"), std::invalid_argument);
  CHECK_THROWS_AS(parse_url("ws://h:8x"), std::invalid_argument);
  CHECK_THROWS_AS(parse_url("ws://h:1/p?channel=x"), std::invalid_argument);
  CHECK_THROWS_AS(parse_url("wss://"), std::invalid_argument);
  try {
    parse_url("tcp://h:1");
    FAIL("tcp accepted");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()).find("wss://") != std::string::npos);
  }
}

TEST_CASE("the query carries channels, filters, since, snapshot and conflate") {
  subscribe_query q;
  q.channels = {"sensors", "readings"};
  q.filters = {{"tipo", "temperatura exterior"}, {"sensor_id", "3,7"}};
  q.since = 42;
  q.conflate = true;
  CHECK(
      build_query(q) ==
      "?channel=sensors,readings&tipo=temperatura%20exterior&sensor_id=3,7&since=42&conflate=true");
  subscribe_query s;
  s.channels = {"sensors"};
  s.snapshot = true;
  CHECK(build_query(s) == "?channel=sensors&snapshot=true");
  CHECK(percent_encode("a&b=c") == "a%26b%3Dc");
}

TEST_CASE("options are checked before anything connects") {
  sensorhub::client::client_options o;
  o.channels.clear();
  CHECK_THROWS_AS(sensorhub::client::client{o}, std::invalid_argument);
  sensorhub::client::client_options b;
  b.backoff.initial = std::chrono::milliseconds(500);
  b.backoff.max = std::chrono::milliseconds(100);
  CHECK_THROWS_AS(sensorhub::client::client{b}, std::invalid_argument);
}

TEST_CASE("next_event without a queue is a usage error, and stop before start is fine") {
  sensorhub::client::client c(sensorhub::client::client_options{});
  CHECK_THROWS_AS(c.next_event(std::chrono::milliseconds(1)), std::logic_error);
  c.stop();
  CHECK(c.state() == sensorhub::client::connection_state::stopped);
}

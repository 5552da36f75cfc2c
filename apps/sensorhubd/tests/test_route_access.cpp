// SPDX-License-Identifier: MIT
// The SPEC §7 table: which route needs which scope, with and without
// --test-endpoints and --no-public-ws.
#include <doctest/doctest.h>

#include <string>

#include "auth/auth.hpp"

using namespace sensorhubd;

namespace {

access of(const std::string& method, const std::string& pattern, const daemon_config& cfg) {
  return route_access(route{method, pattern, nullptr}, cfg);
}

}  // namespace

TEST_CASE("health, metrics, the dashboard page and test-sensors need no token") {
  const daemon_config cfg;
  CHECK(of("GET", "/healthz", cfg) == access::open);
  CHECK(of("GET", "/readyz", cfg) == access::open);
  CHECK(of("GET", "/metrics", cfg) == access::open);
  CHECK(of("GET", "/", cfg) == access::open);
  CHECK(of("GET", "/api/v1/test-sensors", cfg) == access::open);
  CHECK(of("POST", "/api/v1/test-sensors", cfg) == access::open);
  CHECK(of("PUT", "/api/v1/test-sensors/{id}", cfg) == access::open);
}

TEST_CASE("GET routes need read, entity writes need write") {
  const daemon_config cfg;
  for (const char* p :
       {"/api/v1/sensores", "/api/v1/sensores/{id}", "/api/v1/lecturas", "/api/v1/lecturas/{id}",
        "/api/v1/sensores/{id}/lecturas", "/api/v1/events", "/api/v1/ws/secure"}) {
    INFO(p);
    CHECK(of("GET", p, cfg) == access::read);
    CHECK(of("HEAD", p, cfg) == access::read);
  }
  CHECK(of("POST", "/api/v1/sensores", cfg) == access::write);
  CHECK(of("PUT", "/api/v1/sensores/{id}", cfg) == access::write);
  CHECK(of("PATCH", "/api/v1/sensores/{id}", cfg) == access::write);
  CHECK(of("DELETE", "/api/v1/sensores/{id}", cfg) == access::write);
  CHECK(of("POST", "/api/v1/lecturas/batch", cfg) == access::write);
  CHECK(of("DELETE", "/api/v1/lecturas/{id}", cfg) == access::write);
}

TEST_CASE("stats need read and the test event admin, unless --test-endpoints") {
  daemon_config cfg;
  CHECK(of("GET", "/api/v1/ws/stats", cfg) == access::read);
  CHECK(of("GET", "/api/v1/ws/stats/{channel}", cfg) == access::read);
  CHECK(of("POST", "/api/v1/ws/test-event", cfg) == access::admin);
  cfg.test_endpoints = true;
  CHECK(of("GET", "/api/v1/ws/stats", cfg) == access::open);
  CHECK(of("GET", "/api/v1/ws/stats/{channel}", cfg) == access::open);
  CHECK(of("POST", "/api/v1/ws/test-event", cfg) == access::open);
  // --test-endpoints opens nothing else.
  CHECK(of("POST", "/api/v1/sensores", cfg) == access::write);
  CHECK(of("GET", "/api/v1/tokens", cfg) == access::admin);
}

TEST_CASE("token management needs admin") {
  const daemon_config cfg;
  CHECK(of("GET", "/api/v1/tokens", cfg) == access::admin);
  CHECK(of("POST", "/api/v1/tokens", cfg) == access::admin);
  CHECK(of("DELETE", "/api/v1/tokens/{name}", cfg) == access::admin);
}

TEST_CASE("the public WebSocket is open unless --no-public-ws") {
  daemon_config cfg;
  CHECK(of("GET", "/api/v1/ws", cfg) == access::open);
  cfg.auth.no_public_ws = true;
  CHECK(of("GET", "/api/v1/ws", cfg) == access::read);
}

TEST_CASE("the SSE stream checks its token itself, like /api/v1/ws (check_ws)") {
  daemon_config cfg;
  CHECK(of("GET", "/api/v1/events/stream", cfg) == access::open);
  cfg.auth.no_public_ws = true;  // still open here: the route calls check_ws
  CHECK(of("GET", "/api/v1/events/stream", cfg) == access::open);
}

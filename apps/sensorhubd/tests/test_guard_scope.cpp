// SPDX-License-Identifier: MIT
// The security guard resolves each request's token to its data scope (SPEC
// 7.1) on a real tokens table: REST routes that check a token, open routes,
// --no-auth, and WebSocket handshakes on the secure and the public endpoint
// (header or ?token=).
#include <doctest/doctest.h>

#include <string>

#include "auth/auth.hpp"
#include "sensorhub/auth/sqlite_token_store.hpp"
#include "temp_file.hpp"

using namespace sensorhubd;
using sensorhubd::testing::temp_file;

namespace {

struct fixture {
  temp_file dir{"", "unused"};
  daemon_config cfg;
  std::string scoped, plain, writer;

  fixture() {
    cfg.db = (dir.dir() / "tokens.db").string();
    sensorhub::sqlite_token_store store(cfg.db);
    sensorhub::token_params p{"greenhouse", sensorhub::scope_read | sensorhub::scope_write};
    p.where.tipo = {"temperatura"};
    p.where.sensor_id = {3, 7};
    scoped = store.create(p);
    plain = store.create({"root", sensorhub::all_scopes});
    sensorhub::token_params w{"scoped-writer", sensorhub::scope_write};
    w.where.ubicacion = {"roof"};
    writer = store.create(w);
  }
};

http_request request(const std::string& method, const std::string& path,
                     const std::string& token = "", const std::string& query = "") {
  http_request r;
  r.method = method;
  r.path = path;
  r.query = query;
  r.remote_address = "127.0.0.1";
  if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
  return r;
}

}  // namespace

TEST_CASE("REST: a scoped token's routes run in its scope, others stay unrestricted") {
  fixture f;
  security guard(f.cfg);
  const route list{"GET", "/api/v1/sensores", nullptr};
  sensorhub::data_scope s;
  REQUIRE_FALSE(guard.check_http(request("GET", "/api/v1/sensores", f.scoped), list, s));
  CHECK(s.tipo == std::vector<std::string>{"temperatura"});
  CHECK(s.sensor_id == std::vector<std::int64_t>{3, 7});

  s = {};
  REQUIRE_FALSE(guard.check_http(request("GET", "/api/v1/sensores", f.plain), list, s));
  CHECK(s.unrestricted());

  // A refused request leaves no scope to act on; an open route checks no token.
  s = {};
  CHECK(guard.check_http(request("GET", "/api/v1/sensores", "shk_nope"), list, s));
  const route open{"GET", "/api/v1/test-sensors", nullptr};
  s = {};
  REQUIRE_FALSE(guard.check_http(request("GET", "/api/v1/test-sensors", f.scoped), open, s));
  CHECK(s.unrestricted());
}

TEST_CASE("--no-auth: every request is unrestricted") {
  fixture f;
  f.cfg.no_auth = true;
  security guard(f.cfg);
  const route list{"GET", "/api/v1/sensores", nullptr};
  sensorhub::data_scope s;
  REQUIRE_FALSE(guard.check_http(request("GET", "/api/v1/sensores", f.scoped), list, s));
  CHECK(s.unrestricted());
}

TEST_CASE("WebSocket handshakes: secure and public endpoints bring the token's scope") {
  fixture f;
  security guard(f.cfg);
  std::string principal;
  sensorhub::data_scope s;
  REQUIRE_FALSE(guard.check_ws(request("GET", "/api/v1/ws/secure", f.scoped), "/api/v1/ws/secure",
                               principal, s));
  CHECK(principal == "token:greenhouse");
  CHECK(s.tipo == std::vector<std::string>{"temperatura"});

  // ?token= on the public endpoint: the scope, without tagging the connection.
  principal.clear();
  s = {};
  REQUIRE_FALSE(guard.check_ws(request("GET", "/api/v1/ws", "", "token=" + f.scoped), "/api/v1/ws",
                               principal, s));
  CHECK(principal.empty());
  CHECK(s.sensor_id == std::vector<std::int64_t>{3, 7});

  // Public endpoint: no token, an unknown one or one without read: as before, unrestricted.
  for (const std::string& token : {std::string(), std::string("shk_nope"), f.writer}) {
    s = {};
    CAPTURE(token);
    REQUIRE_FALSE(guard.check_ws(request("GET", "/api/v1/ws", token), "/api/v1/ws", principal, s));
    CHECK(s.unrestricted());
  }
  // The secure endpoint refuses what it refused before, scope or not.
  s = {};
  const auto refused = guard.check_ws(request("GET", "/api/v1/ws/secure", f.writer),
                                      "/api/v1/ws/secure", principal, s);
  REQUIRE(refused);
  CHECK(refused->status == 403);
}

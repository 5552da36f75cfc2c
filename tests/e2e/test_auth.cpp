// SPDX-License-Identifier: MIT
// End-to-end: SPEC §7 against the real daemon: tokens and scopes on every
// route, the secure WebSocket, revocation, --test-endpoints / --no-auth /
// --no-public-ws, Origin allow-list, rate limits, connection cap, and that
// tokens never reach the logs.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "e2e_test_util.hpp"

using namespace sensorhub::e2e;

namespace {

// A JSON config file in a temp dir, removed at the end.
class temp_config {
 public:
  explicit temp_config(const std::string& json) { std::ofstream(path()) << json; }
  std::string path() const { return dir_.file("config.json"); }

 private:
  temp_dir dir_{"sensorhub-auth"};
};

header_list bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

http_response call(const daemon_process& d, const std::string& method, const std::string& path,
                   const std::optional<std::string>& body, const header_list& headers = {}) {
  return d.http().request(method, path, body, headers);
}

// Waits until the daemon accepts `token` for a read (it polls the tokens
// table; a token created while it runs is picked up within a second).
void wait_token_active(const daemon_process& d, const std::string& token) {
  REQUIRE(wait_until([&] {
    return call(d, "GET", "/api/v1/ws/stats", std::nullopt, bearer(token)).status != 401;
  }));
}

std::string unauthorized_mismatch(const http_response& r) {
  std::string why = error_mismatch(r, 401, "unauthorized");
  if (r.header("www-authenticate").rfind("Bearer", 0) != 0) {
    why += "; WWW-Authenticate is '" + r.header("www-authenticate") + "'";
  }
  return why;
}

struct tokens {
  std::string read, write, admin, all;
};

tokens make_tokens(const daemon_process& d) {
  tokens t;
  t.read = d.create_token("reader", "read");
  t.write = d.create_token("writer", "write");
  t.admin = d.create_token("admin-only", "admin");
  t.all = d.create_token("root", "read,write,admin");
  wait_token_active(d, t.read);
  wait_token_active(d, t.all);
  return t;
}

ws_handshake ws_connect(ws_client& c, const daemon_process& d, const std::string& target,
                        const header_list& headers = {}) {
  return c.connect(d.host(), d.port(), target, headers);
}

}  // namespace

// POSTs with a token and returns the new id.
std::int64_t create_with(const daemon_process& d, const std::string& path, const std::string& body,
                         const std::string& token) {
  const http_response r = call(d, "POST", path, body, bearer(token));
  INFO("POST " << path << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == 201);
  const auto id = r.json()["id"].i64();
  REQUIRE(id.has_value());
  return *id;
}

TEST_CASE("every route x {no token, bad token, wrong scope, right scope}") {
  daemon_process d(std::vector<std::string>{});
  const tokens t = make_tokens(d);
  const std::string s_body = R"({"tipo":"temperatura","modelo":"DHT22"})";

  struct case_t {
    std::string method;
    std::function<std::string()> path;  // called once per attempt (fresh ids for deletes)
    std::optional<std::string> body;
    std::string scope;  // read, write, admin
    int ok_status;
  };
  const std::string sid = std::to_string(create_with(d, "/api/v1/sensores/", s_body, t.all));
  auto new_sensor = [&] {
    return std::to_string(create_with(d, "/api/v1/sensores/", s_body, t.all));
  };
  auto new_reading = [&] {
    return std::to_string(
        create_with(d, "/api/v1/lecturas/", "{\"sensor_id\":" + sid + ",\"valor\":1.5}", t.all));
  };
  const std::string rid = new_reading();
  auto fixed = [](std::string p) { return [p] { return p; }; };
  int token_count = 0;
  auto new_token_name = [&] {
    const std::string name = "victim-" + std::to_string(++token_count);
    d.create_token(name, "read");
    return name;
  };
  // POST /api/v1/tokens: the body's name is replaced by a fresh one per attempt.
  const char* new_token_body = R"({"name":"NAME","scopes":["read"]})";
  const std::vector<case_t> cases = {
      {"GET", fixed("/api/v1/sensores/"), std::nullopt, "read", 200},
      {"POST", fixed("/api/v1/sensores/"), s_body, "write", 201},
      {"GET", fixed("/api/v1/sensores/" + sid), std::nullopt, "read", 200},
      {"PUT", fixed("/api/v1/sensores/" + sid), R"({"modelo":"PUT"})", "write", 200},
      {"PATCH", fixed("/api/v1/sensores/" + sid), R"({"modelo":"PATCH"})", "write", 200},
      {"DELETE", [&] { return "/api/v1/sensores/" + new_sensor(); }, std::nullopt, "write", 204},
      {"GET", fixed("/api/v1/sensores/" + sid + "/lecturas"), std::nullopt, "read", 200},
      {"GET", fixed("/api/v1/lecturas/"), std::nullopt, "read", 200},
      {"POST", fixed("/api/v1/lecturas/"), "{\"sensor_id\":" + sid + ",\"valor\":2}", "write", 201},
      {"POST", fixed("/api/v1/lecturas/batch"), "[{\"sensor_id\":" + sid + ",\"valor\":3}]",
       "write", 201},
      {"GET", fixed("/api/v1/lecturas/" + rid), std::nullopt, "read", 200},
      {"PUT", fixed("/api/v1/lecturas/" + rid), R"({"valor":4})", "write", 200},
      {"PATCH", fixed("/api/v1/lecturas/" + rid), R"({"valor":5})", "write", 200},
      {"DELETE", [&] { return "/api/v1/lecturas/" + new_reading(); }, std::nullopt, "write", 204},
      {"GET", fixed("/api/v1/events?since=0"), std::nullopt, "read", 200},
      {"GET", fixed("/api/v1/ws/stats"), std::nullopt, "read", 200},
      {"GET", fixed("/api/v1/ws/stats/sensors"), std::nullopt, "read", 200},
      {"POST", fixed("/api/v1/ws/test-event"), R"({"channel":"general","message":"hi","data":{}})",
       "admin", 200},
      {"GET", fixed("/api/v1/tokens"), std::nullopt, "admin", 200},
      {"POST", fixed("/api/v1/tokens"), std::string(new_token_body), "admin", 201},
      {"DELETE", [&] { return "/api/v1/tokens/" + new_token_name(); }, std::nullopt, "admin", 204},
  };
  int posted = 0;
  auto body_of = [&](const case_t& c) -> std::optional<std::string> {
    if (!c.body || c.body->find("\"NAME\"") == std::string::npos) return c.body;
    std::string b = *c.body;
    b.replace(b.find("NAME"), 4, "posted-" + std::to_string(++posted));
    return b;
  };
  for (const auto& c0 : cases) {
    case_t c = c0;
    c.body = body_of(c0);
    const std::string path = c.path();
    INFO(c.method << " " << path);
    // No token.
    http_response r = call(d, c.method, path, c.body);
    CHECK(unauthorized_mismatch(r) == "");
    // Bad tokens: unknown, malformed, other scheme.
    r = call(d, c.method, path, c.body, bearer("shk_" + std::string(64, '0')));
    CHECK(unauthorized_mismatch(r) == "");
    r = call(d, c.method, path, c.body, bearer(""));
    CHECK(r.status == 401);
    r = call(d, c.method, path, c.body, {{"Authorization", "Basic dXNlcjpwYXNz"}});
    CHECK(unauthorized_mismatch(r) == "");
    // Wrong scope: every token without the needed one.
    for (const auto& [scope, token] : std::vector<std::pair<std::string, std::string>>{
             {"read", t.read}, {"write", t.write}, {"admin", t.admin}}) {
      if (scope == c.scope) continue;
      r = call(d, c.method, path, c.body, bearer(token));
      INFO("token with scope " << scope << ": " << r.body);
      CHECK(error_mismatch(r, 403, "forbidden") == "");
    }
    // Right scope (a token with only that scope, then the all-scopes token).
    const std::string& right = c.scope == "read" ? t.read : c.scope == "write" ? t.write : t.admin;
    r = call(d, c.method, c.path(), c.body, bearer(right));
    INFO(r.body);
    CHECK(r.status == c.ok_status);
    r = call(d, c.method, c.path(), body_of(c0), bearer(t.all));
    CHECK(r.status == c.ok_status);
  }
  // Open routes: no token needed.
  CHECK(call(d, "GET", "/healthz", std::nullopt).status == 200);
  CHECK(call(d, "GET", "/metrics", std::nullopt).status == 200);
  CHECK(call(d, "GET", "/", std::nullopt).status == 200);
  // Test endpoints are not served without --test-endpoints, token or not.
  CHECK(call(d, "GET", "/api/v1/test-sensors/", std::nullopt, bearer(t.all)).status == 404);
  CHECK(call(d, "POST", "/api/v1/test-sensors/", s_body).status == 404);
  CHECK(healthy(d));
}

TEST_CASE("--test-endpoints: test routes need no token, real writes still do") {
  daemon_process d({"--test-endpoints"});
  const auto created = call(d, "POST", "/api/v1/test-sensors/", R"({"tipo":"t","modelo":"m"})");
  REQUIRE(created.status == 201);
  const std::string id = std::to_string(*created.json()["id"].i64());
  CHECK(call(d, "GET", "/api/v1/test-sensors/" + id, std::nullopt).status == 200);
  CHECK(call(d, "PATCH", "/api/v1/test-sensors/" + id, R"({"modelo":"x"})").status == 200);
  CHECK(call(d, "DELETE", "/api/v1/test-sensors/" + id, std::nullopt).status == 204);
  CHECK(call(d, "GET", "/api/v1/ws/stats", std::nullopt).status == 200);
  CHECK(call(d, "GET", "/api/v1/ws/stats/readings", std::nullopt).status == 200);
  CHECK(call(d, "POST", "/api/v1/ws/test-event", R"({"channel":"general","message":"m","data":{}})")
            .status == 200);
  // Everything else keeps its scope.
  CHECK(unauthorized_mismatch(
            call(d, "POST", "/api/v1/sensores/", R"({"tipo":"t","modelo":"m"})")) == "");
  CHECK(unauthorized_mismatch(call(d, "GET", "/api/v1/sensores/", std::nullopt)) == "");
  CHECK(unauthorized_mismatch(call(d, "GET", "/api/v1/events", std::nullopt)) == "");
  ws_client c;
  CHECK(ws_connect(c, d, "/api/v1/ws/secure").response.status == 401);
}

TEST_CASE("--no-auth: writes without a token, and a loud warning at start") {
  daemon_process d({"--no-auth"});
  CHECK(call(d, "POST", "/api/v1/sensores/", R"({"tipo":"t","modelo":"m"})").status == 201);
  ws_client c;
  CHECK(ws_connect(c, d, "/api/v1/ws/secure").upgraded);
  CHECK(d.log_text().find("AUTHENTICATION IS OFF") != std::string::npos);
}

TEST_CASE("without flags the daemon has no open write and says it checks tokens") {
  daemon_process d(std::vector<std::string>{});
  CHECK(d.log_text().find("AUTHENTICATION IS OFF") == std::string::npos);
  CHECK(d.log_text().find("NOT AVAILABLE") == std::string::npos);
  for (const char* m : {"POST", "PUT", "PATCH", "DELETE"}) {
    for (const char* p : {"/api/v1/sensores/", "/api/v1/sensores/1", "/api/v1/lecturas/1",
                          "/api/v1/lecturas/batch"}) {
      const auto r = call(
          d, m, p, std::string(m) == "DELETE" ? std::nullopt : std::optional<std::string>("{}"));
      INFO(m << " " << p << " -> " << r.status);
      CHECK((r.status == 401 || r.status == 405));
    }
  }
}

TEST_CASE("secure WebSocket: header token, query token, none, bad, wrong scope") {
  daemon_process d(std::vector<std::string>{});
  const tokens t = make_tokens(d);
  {
    ws_client c;
    const auto hs = ws_connect(c, d, "/api/v1/ws/secure?channel=sensors", bearer(t.read));
    REQUIRE(hs.upgraded);
    auto first = c.recv_json();
    REQUIRE(first.has_value());
    CHECK((*first)["type"].str() == "connection_established");
  }
  {
    ws_client c;
    const auto hs = ws_connect(c, d, "/api/v1/ws/secure?channel=sensors&token=" + t.read);
    REQUIRE(hs.upgraded);
    auto first = c.recv_json();
    REQUIRE(first.has_value());
    CHECK((*first)["type"].str() == "connection_established");
    // Live events arrive on the secure socket.
    c.recv_json();  // stats
    create_with(d, "/api/v1/sensores/", R"({"tipo":"t","modelo":"m"})", t.write);
    auto ev = c.recv_json();
    REQUIRE(ev.has_value());
    CHECK((*ev)["type"].str() == "entity_event");
  }
  {
    ws_client c;
    const auto hs = ws_connect(c, d, "/api/v1/ws/secure");
    CHECK_FALSE(hs.upgraded);
    CHECK(unauthorized_mismatch(hs.response) == "");
  }
  {
    ws_client c;
    const auto hs = ws_connect(c, d, "/api/v1/ws/secure?token=shk_nope");
    CHECK_FALSE(hs.upgraded);
    CHECK(unauthorized_mismatch(hs.response) == "");
  }
  {
    ws_client c;
    const auto hs = ws_connect(c, d, "/api/v1/ws/secure", bearer("shk_nope"));
    CHECK(unauthorized_mismatch(hs.response) == "");
  }
  {
    ws_client c;
    const auto hs = ws_connect(c, d, "/api/v1/ws/secure", bearer(t.write));
    CHECK(error_mismatch(hs.response, 403, "forbidden") == "");
  }
  // The public endpoint needs none.
  ws_client pub;
  CHECK(ws_connect(pub, d, "/api/v1/ws").upgraded);
  // Refused handshakes created no subscription: only the public one is open.
  const auto stats = call(d, "GET", "/api/v1/ws/stats", std::nullopt, bearer(t.read));
  CHECK(wait_until([&] {
    return call(d, "GET", "/api/v1/ws/stats", std::nullopt, bearer(t.read))
               .json()["total_connections"]
               .i64() == 1;
  }));
  (void)stats;
}

TEST_CASE("--no-public-ws: /api/v1/ws demands a read token") {
  daemon_process d({"--no-public-ws"});
  const std::string token = d.create_token("dash", "read");
  wait_token_active(d, token);
  ws_client a;
  CHECK(unauthorized_mismatch(ws_connect(a, d, "/api/v1/ws").response) == "");
  ws_client b;
  CHECK(ws_connect(b, d, "/api/v1/ws?token=" + token).upgraded);
  ws_client c;
  CHECK(ws_connect(c, d, "/api/v1/ws", bearer(token)).upgraded);
  CHECK(unauthorized_mismatch(call(d, "GET", "/api/v1/ws", std::nullopt)) == "");
}

TEST_CASE("a revoked token: its WebSockets close with 1008, its requests get 401") {
  daemon_process d(std::vector<std::string>{});
  const std::string doomed = d.create_token("doomed", "read,write");
  const std::string other = d.create_token("other", "read");
  wait_token_active(d, doomed);
  wait_token_active(d, other);
  ws_client victim;
  REQUIRE(ws_connect(victim, d, "/api/v1/ws/secure?token=" + doomed).upgraded);
  ws_client victim2;
  REQUIRE(ws_connect(victim2, d, "/api/v1/ws/secure", bearer(doomed)).upgraded);
  ws_client bystander;
  REQUIRE(ws_connect(bystander, d, "/api/v1/ws/secure", bearer(other)).upgraded);
  ws_client pub;
  REQUIRE(ws_connect(pub, d, "/api/v1/ws").upgraded);

  const auto r = d.token_command({"revoke", "doomed"});
  REQUIRE(r.exit_code == 0);
  for (ws_client* c : {&victim, &victim2}) {
    const auto close = c->wait_close(std::chrono::seconds(10));
    REQUIRE(close.has_value());
    CHECK(close->close_code == 1008);
  }
  CHECK(unauthorized_mismatch(call(d, "GET", "/api/v1/sensores/", std::nullopt, bearer(doomed))) ==
        "");
  ws_client again;
  CHECK(ws_connect(again, d, "/api/v1/ws/secure", bearer(doomed)).response.status == 401);
  // Others stay connected.
  CHECK(drain_until_pong(bystander).size() <= 2);
  CHECK(drain_until_pong(pub).size() <= 2);
  CHECK(d.token_command({"revoke", "doomed"}).exit_code == 1);
  CHECK(d.token_command({"revoke", "nobody"}).exit_code == 1);
}

TEST_CASE("token CLI: list shows name, scopes, created, last used, never the token") {
  daemon_process d(std::vector<std::string>{});
  const std::string token = d.create_token("cli-test", "read,write");
  CHECK(token.rfind("shk_", 0) == 0);
  CHECK(token.size() >= 4 + 32);  // >= 128 bits
  // Duplicate names and bad scopes are refused.
  CHECK(d.token_command({"create", "--name", "cli-test", "--scopes", "read"}).exit_code != 0);
  CHECK(d.token_command({"create", "--name", "x", "--scopes", "root"}).exit_code == 2);
  CHECK(d.token_command({"create", "--name", "x"}).exit_code == 2);
  auto list = d.token_command({"list"});
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.find("cli-test") != std::string::npos);
  CHECK(list.out.find("read,write") != std::string::npos);
  CHECK(list.out.find("never") != std::string::npos);
  CHECK(list.all.find(token) == std::string::npos);
  CHECK(list.all.find(token.substr(4, 16)) == std::string::npos);
  wait_token_active(d, token);
  // last_used is written within the poll interval.
  CHECK(wait_until([&] {
    const auto l = d.token_command({"list"});
    return l.out.find("never") == std::string::npos;
  }));
}

TEST_CASE("tokens never appear in the logs") {
  daemon_process d({"--log-level", "debug"});
  const std::string good = d.create_token("logged", "read,write,admin");
  const std::string bad = "shk_" + std::string(60, 'b') + "dead";
  wait_token_active(d, good);
  for (const std::string& tok : {good, bad}) {
    call(d, "GET", "/api/v1/sensores/", std::nullopt, bearer(tok));
    call(d, "POST", "/api/v1/sensores/", R"({"tipo":"t","modelo":"m"})", bearer(tok));
    call(d, "GET", "/api/v1/sensores/?token=" + tok, std::nullopt);
    call(d, "GET", "/api/v1/nowhere?token=" + tok, std::nullopt, bearer(tok));
    for (const std::string path : {"/api/v1/ws/secure", "/api/v1/ws"}) {
      ws_client a;
      ws_connect(a, d, path + "?channel=sensors&token=" + tok);
      ws_client b;
      ws_connect(b, d, path, bearer(tok));
      ws_client bad_query;
      ws_connect(bad_query, d, path + "?token=" + tok + "&bogus=1");
    }
  }
  d.terminate();
  REQUIRE(d.wait_exit(std::chrono::seconds(20)).has_value());
  const std::string logs = d.log_text();
  CHECK(logs.find("rejected") != std::string::npos);  // the log did see those requests
  CHECK(logs.find(good) == std::string::npos);
  CHECK(logs.find(good.substr(4)) == std::string::npos);
  CHECK(logs.find(good.substr(4, 20)) == std::string::npos);
  CHECK(logs.find(bad) == std::string::npos);
  CHECK(logs.find(bad.substr(4, 20)) == std::string::npos);
}

TEST_CASE("Origin allow-list on the secure WebSocket") {
  temp_config cfg(R"({"allowed_origins":["https://dash.example"]})");
  daemon_process d({"--config", cfg.path()});
  const std::string token = d.create_token("o", "read");
  wait_token_active(d, token);
  {
    ws_client c;
    const auto hs =
        ws_connect(c, d, "/api/v1/ws/secure?channel=sensors",
                   {{"Authorization", "Bearer " + token}, {"Origin", "https://evil.example"}});
    CHECK_FALSE(hs.upgraded);
    CHECK(error_mismatch(hs.response, 403, "forbidden") == "");
  }
  CHECK(call(d, "GET", "/api/v1/ws/stats", std::nullopt, bearer(token))
            .json()["total_connections"]
            .i64() == 0);
  ws_client good;
  CHECK(ws_connect(good, d, "/api/v1/ws/secure",
                   {{"Authorization", "Bearer " + token}, {"Origin", "https://dash.example"}})
            .upgraded);
  ws_client no_origin;  // not a browser
  CHECK(ws_connect(no_origin, d, "/api/v1/ws/secure", bearer(token)).upgraded);
}

TEST_CASE("REST write flood: 429 with Retry-After, others unaffected, recovery after refill") {
  temp_config cfg(R"({"limits":{"write_rate_per_s":1,"write_burst":3}})");
  daemon_process d({"--config", cfg.path()});
  const std::string flooder = d.create_token("flooder", "read,write");
  const std::string calm = d.create_token("calm", "read,write");
  wait_token_active(d, flooder);
  wait_token_active(d, calm);
  const std::string body = R"({"tipo":"t","modelo":"m"})";
  int created = 0;
  http_response limited;
  for (int i = 0; i < 50 && limited.status == 0; ++i) {
    const http_response r = call(d, "POST", "/api/v1/sensores/", body, bearer(flooder));
    if (r.status == 201) {
      ++created;
    } else {
      limited = r;
    }
  }
  CHECK(created >= 3);
  CHECK(error_mismatch(limited, 429, "rate_limited") == "");
  const std::string retry = limited.header("retry-after");
  REQUIRE(!retry.empty());
  const int retry_s = std::stoi(retry);
  CHECK(retry_s >= 1);
  // Reads are not limited; a client from another address with its own token is unaffected.
  CHECK(call(d, "GET", "/api/v1/sensores/", std::nullopt, bearer(flooder)).status == 200);
  const http_client other = d.http().from("127.0.0.2");
  CHECK(other.request("POST", "/api/v1/sensores/", body, bearer(calm)).status == 201);
  // After Retry-After the flooder may write again.
  std::this_thread::sleep_for(std::chrono::seconds(retry_s) + std::chrono::milliseconds(100));
  CHECK(call(d, "POST", "/api/v1/sensores/", body, bearer(flooder)).status == 201);
  CHECK(healthy(d));
}

TEST_CASE("WebSocket message flood: rate_limited errors, then 1008, others unaffected") {
  temp_config cfg(
      R"({"limits":{"message_rate_per_s":1,"message_burst":2,"message_flood_warnings":3}})");
  daemon_process d({"--config", cfg.path()});
  ws_client calm = open_ws(d, "?channel=sensors");
  ws_client flood = open_ws(d, "?channel=sensors");
  // The flood in one write: the daemon reads all of it before it cuts the
  // connection, so the cut is a clean close, not a reset caused by unread
  // bytes (which would make this client's own sends fail at random).
  std::string burst;
  for (int i = 0; i < 30; ++i) burst += ws_client::encode_frame(0x1, R"({"type":"ping"})");
  flood.send_raw(burst);
  int pongs = 0;
  int limited = 0;
  std::optional<int> code;
  for (;;) {
    auto m = flood.recv(std::chrono::seconds(10));
    if (!m) break;
    if (m->type == ws_message::kind::close) {
      code = m->close_code;
      break;
    }
    const json_doc j = json_doc::parse(m->payload);
    if (j["type"].str() == "pong") ++pongs;
    if (j["type"].str() == "error" && j["error"].str() == "rate_limited") ++limited;
  }
  CHECK(pongs >= 2);
  CHECK(limited >= 3);  // 3 in a row before the close (more if a token refilled meanwhile)
  CHECK(code == 1008);
  // The other connection is untouched.
  CHECK(drain_until_pong(calm).empty());
  CHECK(healthy(d));
}

TEST_CASE("WebSocket messages are also limited per address, summed over its connections") {
  // Each connection alone is far below its own limit; together they pass the
  // address's shared bucket (burst 4, 1 per second).
  temp_config cfg(
      R"({"limits":{"message_rate_per_s":1000,"message_burst":1000,"shared_message_rate_per_s":1,)"
      R"("shared_message_burst":4,"message_flood_warnings":100}})");
  daemon_process d({"--config", cfg.path()});
  std::vector<ws_client> conns;
  for (int i = 0; i < 3; ++i) conns.push_back(open_ws(d, "?channel=sensors"));
  int pongs = 0;
  int limited = 0;
  for (auto& c : conns) {
    for (int i = 0; i < 3; ++i) c.send_text(R"({"type":"ping"})");
    for (int i = 0; i < 3; ++i) {
      auto m = c.recv_json(std::chrono::seconds(10));
      REQUIRE(m.has_value());
      if ((*m)["type"].str() == "pong") ++pongs;
      if ((*m)["type"].str() == "error" && (*m)["error"].str() == "rate_limited") ++limited;
    }
  }
  // 9 messages against a burst of 4 (plus at most a token or two refilled).
  CHECK(pongs >= 4);
  CHECK(pongs <= 6);
  CHECK(limited == 9 - pongs);
  CHECK(healthy(d));
}

TEST_CASE("per-address WebSocket cap: refused at the handshake, room again after a close") {
  temp_config cfg(R"({"limits":{"max_connections_per_address":3}})");
  daemon_process d({"--config", cfg.path()});
  std::vector<ws_client> open;
  for (int i = 0; i < 3; ++i) open.push_back(open_ws(d, ""));
  {
    ws_client extra;
    const auto hs = ws_connect(extra, d, "/api/v1/ws");
    CHECK_FALSE(hs.upgraded);
    CHECK(error_mismatch(hs.response, 429, "rate_limited") == "");
  }
  // Plain HTTP is not capped.
  CHECK(healthy(d));
  open.front().close();
  open.erase(open.begin());
  CHECK(wait_until([&] {
    ws_client again;
    return ws_connect(again, d, "/api/v1/ws").upgraded;
  }));
}

TEST_CASE("token management over REST (admin): create, list, revoke closes WebSockets") {
  daemon_process d(std::vector<std::string>{});
  const std::string admin = d.create_token("ops", "admin");
  wait_token_active(d, d.create_token("probe", "read"));
  http_response r =
      call(d, "POST", "/api/v1/tokens", R"({"name":"dash","scopes":["read"]})", bearer(admin));
  REQUIRE(r.status == 201);
  const json_doc created = r.json();
  const std::string token = created["token"].str();
  CHECK(token.rfind("shk_", 0) == 0);
  CHECK(created["name"].str() == "dash");
  CHECK(created["scopes"].at(0).str() == "read");
  // Bad bodies.
  CHECK(error_mismatch(call(d, "POST", "/api/v1/tokens", R"({"name":"dash","scopes":["read"]})",
                            bearer(admin)),
                       422, "validation_failed", "name") == "");
  CHECK(error_mismatch(
            call(d, "POST", "/api/v1/tokens", R"({"name":"x","scopes":["root"]})", bearer(admin)),
            422, "validation_failed", "scopes") == "");
  CHECK(error_mismatch(call(d, "POST", "/api/v1/tokens", R"({"name":"x"})", bearer(admin)), 422,
                       "validation_failed", "scopes") == "");
  CHECK(error_mismatch(call(d, "POST", "/api/v1/tokens", "{", bearer(admin)), 400,
                       "invalid_json") == "");
  // The list never carries a token.
  r = call(d, "GET", "/api/v1/tokens", std::nullopt, bearer(admin));
  REQUIRE(r.status == 200);
  CHECK(r.body.find("\"dash\"") != std::string::npos);
  CHECK(r.body.find(token) == std::string::npos);
  CHECK(r.body.find("\"token\"") == std::string::npos);
  // The new token works once the daemon picked it up, then REST revocation closes its socket.
  wait_token_active(d, token);
  ws_client c;
  REQUIRE(ws_connect(c, d, "/api/v1/ws/secure", bearer(token)).upgraded);
  CHECK(call(d, "DELETE", "/api/v1/tokens/dash", std::nullopt, bearer(admin)).status == 204);
  const auto close = c.wait_close(std::chrono::seconds(10));
  REQUIRE(close.has_value());
  CHECK(close->close_code == 1008);
  CHECK(error_mismatch(call(d, "DELETE", "/api/v1/tokens/dash", std::nullopt, bearer(admin)), 404,
                       "not_found") == "");
  CHECK(d.log_text().find(token) == std::string::npos);
}

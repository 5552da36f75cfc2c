// SPDX-License-Identifier: MIT
// The HTTP front in its two steps (SPEC §9): check_head decides every
// refusal on the request head, before a body byte is read, and hands what
// it resolved to handle() as the request's context; handle() checks the
// decoded body and runs the route, and also works alone (a transport that
// never calls check_head). Real router, real security guard on a temp
// SQLite tokens table, real metrics.
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "auth/auth.hpp"
#include "http/http_front.hpp"
#include "sensorhub/auth/sqlite_token_store.hpp"
#include "temp_file.hpp"

using namespace sensorhubd;
using sensorhubd::testing::temp_file;

namespace {

constexpr std::size_t default_limit = 32;
constexpr std::size_t batch_limit = 64;

// What a route handler saw.
struct handler_call {
  std::string pattern;
  std::string body;
  scope_t scope;
};

struct fixture {
  temp_file dir{"", "unused"};
  daemon_config cfg;
  std::string writer, reader, scoped_writer;
  router routes;
  metrics counters;
  std::vector<handler_call> calls;
  std::unique_ptr<security> guard;
  std::unique_ptr<http_front> front;

  explicit fixture(double write_burst = 100) {
    cfg.db = (dir.dir() / "tokens.db").string();
    cfg.limits.write_burst = write_burst;
    cfg.limits.write_rate_per_s = write_burst < 100 ? 0.001 : 50;
    sensorhub::sqlite_token_store store(cfg.db);
    writer = store.create({"writer", sensorhub::scope_read | sensorhub::scope_write});
    reader = store.create({"reader", sensorhub::scope_read});
    sensorhub::token_params p{"greenhouse", sensorhub::scope_write};
    p.where.tipo = {"temperatura"};
    scoped_writer = store.create(p);

    add_route("GET", "/api/v1/sensores", 200);
    add_route("POST", "/api/v1/sensores", 201);
    add_route("GET", "/metrics", 200);
    add_route("GET", "/", 200);
    route batch = make_route("POST", "/api/v1/lecturas/batch", 201);
    batch.max_body = batch_limit;
    routes.add(std::move(batch));
    guard = std::make_unique<security>(cfg);
    front = std::make_unique<http_front>(routes, counters, *guard, default_limit);
  }

  route make_route(const std::string& method, const std::string& pattern, int status) {
    return {method, pattern,
            [this, pattern, status](const http_request& req, const path_params&,
                                    const scope_t& scope, http_responder respond) {
              calls.push_back({pattern, req.body, scope});
              respond(json_response(status, "{\"ok\":true}"));
            }};
  }
  void add_route(const std::string& method, const std::string& pattern, int status) {
    routes.add(make_route(method, pattern, status));
  }

  // How often `label` was answered with `status`, per /metrics.
  int counted(const std::string& label, int status) const {
    const std::string prefix = "sensorhub_http_requests_total{route=\"" + label + "\",status=\"" +
                               std::to_string(status) + "\"} ";
    std::istringstream in(counters.render(sensorhub::hub_stats{}));
    for (std::string l; std::getline(in, l);) {
      if (l.rfind(prefix, 0) == 0) return std::stoi(l.substr(prefix.size()));
    }
    return 0;
  }

  // handle() with a responder that keeps the (synchronous) answer.
  std::optional<http_response> handle(const http_request& req) {
    std::optional<http_response> out;
    front->handle(req, [&out](http_response r) { out = std::move(r); });
    return out;
  }
};

http_request request(const std::string& method, const std::string& path,
                     std::map<std::string, std::string> headers = {},
                     const std::string& token = "") {
  http_request r;
  r.method = method;
  r.path = path;
  r.headers = std::move(headers);
  r.remote_address = "127.0.0.1";
  if (!token.empty()) r.headers["authorization"] = "Bearer " + token;
  return r;
}

// A JSON POST head announcing `length` bytes.
http_request post(const std::string& path, std::size_t length, const std::string& token) {
  return request("POST", path,
                 {{"content-length", std::to_string(length)}, {"content-type", "application/json"}},
                 token);
}

// A JSON POST head with a chunked body.
http_request chunked_post(const std::string& path, const std::string& token) {
  return request("POST", path,
                 {{"transfer-encoding", "chunked"}, {"content-type", "application/json"}}, token);
}

std::string header_of(const http_response& r, const std::string& name) {
  for (const auto& [n, v] : r.headers) {
    if (n == name) return v;
  }
  return {};
}

}  // namespace

TEST_CASE("every refusal is decided on the head, counted once, and no handler runs") {
  fixture f;
  struct refusal_case {
    const char* what;
    http_request head;
    int status;
    const char* label;
  };
  const std::vector<refusal_case> cases = {
      {"unknown path", request("GET", "/nope"), 404, "unmatched"},
      {"wrong method", request("DELETE", "/api/v1/sensores", {}, f.writer), 405, "unmatched"},
      {"POST without a length",
       request("POST", "/api/v1/sensores", {{"content-type", "application/json"}}, f.writer), 411,
       "/api/v1/sensores"},
      {"no token", post("/api/v1/sensores", 2, ""), 401, "/api/v1/sensores"},
      {"unknown token", post("/api/v1/sensores", 2, "bogus"), 401, "/api/v1/sensores"},
      {"read token on a write", post("/api/v1/sensores", 2, f.reader), 403, "/api/v1/sensores"},
      {"declared length over the route's limit",
       post("/api/v1/sensores", default_limit + 1, f.writer), 413, "/api/v1/sensores"},
      {"declared length over the batch limit",
       post("/api/v1/lecturas/batch", batch_limit + 1, f.writer), 413, "/api/v1/lecturas/batch"},
      {"not JSON",
       request("POST", "/api/v1/sensores",
               {{"content-length", "2"}, {"content-type", "text/plain"}}, f.writer),
       415, "/api/v1/sensores"},
      {"no content type", request("POST", "/api/v1/sensores", {{"content-length", "2"}}, f.writer),
       415, "/api/v1/sensores"},
  };
  for (auto c : cases) {
    INFO(c.what);
    const int before = f.counted(c.label, c.status);
    std::size_t max_body = 1u << 20;
    const auto answer = f.front->check_head(c.head, max_body);
    REQUIRE(answer);
    CHECK(answer->status == c.status);
    CHECK(c.head.context == nullptr);
    CHECK(f.counted(c.label, c.status) == before + 1);
    if (c.status == 405) CHECK(header_of(*answer, "Allow") == "GET, HEAD, POST");
    if (c.status == 401) CHECK(header_of(*answer, "WWW-Authenticate").rfind("Bearer", 0) == 0);
  }
  CHECK(f.calls.empty());
}

TEST_CASE("while shutting down every head gets 503") {
  fixture f;
  f.front->begin_shutdown();
  auto head = request("GET", "/api/v1/sensores", {}, f.reader);
  std::size_t max_body = 0;
  const auto answer = f.front->check_head(head, max_body);
  REQUIRE(answer);
  CHECK(answer->status == 503);
  CHECK(f.counted("/api/v1/sensores", 503) == 1);
}

TEST_CASE("the write rate is spent on the head, once per request") {
  fixture f(1);  // one write, then 429 for a long while
  auto first = post("/api/v1/sensores", 2, f.writer);
  std::size_t max_body = 0;
  REQUIRE_FALSE(f.front->check_head(first, max_body));
  // The full request goes through handle() without being charged again.
  first.body = "{}";
  const auto done = f.handle(first);
  REQUIRE(done);
  CHECK(done->status == 201);

  auto second = post("/api/v1/sensores", 2, f.writer);
  const auto refused = f.front->check_head(second, max_body);
  REQUIRE(refused);
  CHECK(refused->status == 429);
  CHECK_FALSE(header_of(*refused, "Retry-After").empty());
  CHECK(f.calls.size() == 1);
}

TEST_CASE("an accepted head gets the route's body limit and a context that handle() uses") {
  fixture f;
  SUBCASE("Content-Length on the default limit") {
    auto head = post("/api/v1/sensores", default_limit, f.scoped_writer);
    std::size_t max_body = 1u << 20;
    REQUIRE_FALSE(f.front->check_head(head, max_body));
    CHECK(max_body == default_limit);
    REQUIRE(head.context != nullptr);
    head.body = std::string(default_limit, ' ');
    const auto done = f.handle(head);
    REQUIRE(done);
    CHECK(done->status == 201);
    REQUIRE(f.calls.size() == 1);
    // The scope the guard resolved on the head reaches the handler.
    CHECK(f.calls[0].scope.tipo == std::vector<std::string>{"temperatura"});
  }
  SUBCASE("a chunked body on the batch route") {
    auto head = chunked_post("/api/v1/lecturas/batch", f.writer);
    std::size_t max_body = 1u << 20;
    REQUIRE_FALSE(f.front->check_head(head, max_body));
    CHECK(max_body == batch_limit);
    head.body = "[]";
    const auto done = f.handle(head);
    REQUIRE(done);
    CHECK(done->status == 201);
    REQUIRE(f.calls.size() == 1);
    CHECK(f.calls[0].pattern == "/api/v1/lecturas/batch");
    CHECK(f.calls[0].body == "[]");
    CHECK(f.counted("/api/v1/lecturas/batch", 201) == 1);
  }
}

TEST_CASE("a decoded body over the limit is 413 in handle()") {
  fixture f;
  auto head = chunked_post("/api/v1/sensores", f.writer);
  std::size_t max_body = 0;
  REQUIRE_FALSE(f.front->check_head(head, max_body));
  head.body = std::string(default_limit + 1, ' ');
  const auto done = f.handle(head);
  REQUIRE(done);
  CHECK(done->status == 413);
  CHECK(f.calls.empty());
  CHECK(f.counted("/api/v1/sensores", 413) == 1);
}

TEST_CASE("HEAD is accepted on GET routes, as GET with head set or as method HEAD") {
  fixture f;
  for (const char* path : {"/api/v1/sensores", "/metrics", "/"}) {
    INFO(path);
    auto head = request("GET", path, {}, f.reader);
    head.head = true;
    std::size_t max_body = 0;
    REQUIRE_FALSE(f.front->check_head(head, max_body));
    const auto done = f.handle(head);
    REQUIRE(done);
    CHECK(done->status == 200);
    CHECK(f.counted(path, 200) == 1);
    // An older transport hands HEAD over unchanged, without a head check.
    const auto old = f.handle(request("HEAD", path, {}, f.reader));
    REQUIRE(old);
    CHECK(old->status == 200);
    CHECK(f.counted(path, 200) == 2);
  }
  // HEAD needs what GET needs.
  auto anonymous = request("GET", "/api/v1/sensores");
  anonymous.head = true;
  std::size_t max_body = 0;
  const auto refused = f.front->check_head(anonymous, max_body);
  REQUIRE(refused);
  CHECK(refused->status == 401);
}

TEST_CASE("handle() without a head check makes the head decisions itself") {
  fixture f;
  auto status_of = [&f](http_request req, const std::string& body) {
    req.body = body;
    const auto done = f.handle(req);
    REQUIRE(done);
    return done->status;
  };
  CHECK(status_of(request("GET", "/nope"), "") == 404);
  CHECK(status_of(
            request("POST", "/api/v1/sensores", {{"content-type", "application/json"}}, f.writer),
            "") == 411);
  CHECK(status_of(post("/api/v1/sensores", 2, ""), "{}") == 401);
  CHECK(status_of(post("/api/v1/sensores", 2, f.reader), "{}") == 403);
  CHECK(status_of(post("/api/v1/sensores", default_limit + 1, f.writer),
                  std::string(default_limit + 1, ' ')) == 413);
  CHECK(status_of(request("POST", "/api/v1/sensores",
                          {{"content-length", "2"}, {"content-type", "text/xml"}}, f.writer),
                  "{}") == 415);
  CHECK(f.calls.empty());
  CHECK(status_of(post("/api/v1/sensores", 2, f.scoped_writer), "{}") == 201);
  REQUIRE(f.calls.size() == 1);
  CHECK(f.calls[0].scope.tipo == std::vector<std::string>{"temperatura"});
  CHECK(f.counted("/api/v1/sensores", 201) == 1);
}

TEST_CASE("a handler that answers twice is counted and sent once") {
  fixture f;
  f.routes.add(
      {"GET", "/twice",
       [](const http_request&, const path_params&, const scope_t&, http_responder respond) {
         respond(json_response(200, "{}"));
         respond(json_response(500, "{}"));
       }});
  int sent = 0;
  auto head = request("GET", "/twice", {}, f.reader);
  std::size_t max_body = 0;
  REQUIRE_FALSE(f.front->check_head(head, max_body));
  f.front->handle(head, [&sent](http_response) { ++sent; });
  CHECK(sent == 1);
  CHECK(f.counted("/twice", 200) == 1);
  CHECK(f.counted("/twice", 500) == 0);
}

// SPDX-License-Identifier: MIT
// The daemon's router: method + path matching, 404/405 with Allow,
// literal segments before {param} segments, trailing slashes.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "http/router.hpp"

using namespace sensorhubd;

namespace {

route make(const std::string& method, const std::string& pattern) {
  return route{method, pattern,
               [](const sensorhub::http_request&, const path_params&, const scope_t&,
                  sensorhub::http_responder) {}};
}

router sample() {
  router r;
  r.add(make("GET", "/api/v1/lecturas"));
  r.add(make("POST", "/api/v1/lecturas"));
  r.add(make("GET", "/api/v1/lecturas/{id}"));
  r.add(make("PUT", "/api/v1/lecturas/{id}"));
  r.add(make("DELETE", "/api/v1/lecturas/{id}"));
  r.add(make("POST", "/api/v1/lecturas/batch"));
  r.add(make("GET", "/api/v1/sensores/{id}/lecturas"));
  r.add(make("GET", "/"));
  return r;
}

}  // namespace

TEST_CASE("a path matches its route and captures the parameters") {
  const router r = sample();
  const auto m = r.match("GET", "/api/v1/lecturas/42");
  REQUIRE(m.found != nullptr);
  CHECK(m.found->pattern == "/api/v1/lecturas/{id}");
  CHECK(m.params == path_params{"42"});

  const auto nested = r.match("GET", "/api/v1/sensores/7/lecturas");
  REQUIRE(nested.found != nullptr);
  CHECK(nested.found->pattern == "/api/v1/sensores/{id}/lecturas");
  CHECK(nested.params == path_params{"7"});

  const auto root = r.match("GET", "/");
  REQUIRE(root.found != nullptr);
  CHECK(root.found->pattern == "/");
}

TEST_CASE("a trailing slash is the same path") {
  const router r = sample();
  const auto a = r.match("GET", "/api/v1/lecturas");
  const auto b = r.match("GET", "/api/v1/lecturas/");
  REQUIRE(a.found != nullptr);
  CHECK(a.found == b.found);
}

TEST_CASE("a literal segment wins over a parameter") {
  const router r = sample();
  const auto batch = r.match("POST", "/api/v1/lecturas/batch");
  REQUIRE(batch.found != nullptr);
  CHECK(batch.found->pattern == "/api/v1/lecturas/batch");
  CHECK(batch.params.empty());
  // The most specific pattern decides even for another method: GET on
  // "batch" is 405 (Allow: POST), not the {id} route.
  const auto get = r.match("GET", "/api/v1/lecturas/batch");
  CHECK(get.found == nullptr);
  CHECK(get.status == 405);
  CHECK(get.allow == "POST");
}

TEST_CASE("a known path with another method is 405 with Allow") {
  const router r = sample();
  const auto m = r.match("PATCH", "/api/v1/lecturas/3");
  CHECK(m.found == nullptr);
  CHECK(m.status == 405);
  CHECK(m.allow == "GET, HEAD, PUT, DELETE");

  const auto collection = r.match("DELETE", "/api/v1/lecturas");
  CHECK(collection.status == 405);
  CHECK(collection.allow == "GET, HEAD, POST");
}

TEST_CASE("an unknown path is 404") {
  const router r = sample();
  for (const char* path : {"/api/v1/nothing", "/api/v1/lecturas/1/2", "/api/v2/lecturas"}) {
    INFO(path);
    const auto m = r.match("GET", path);
    CHECK(m.found == nullptr);
    CHECK(m.status == 404);
    CHECK(m.allow.empty());
  }
}

TEST_CASE("split_path") {
  using parts = std::vector<std::string_view>;
  CHECK(split_path("/a/b/") == parts{"a", "b"});
  CHECK(split_path("/") == parts{});
  CHECK(split_path("/a//b") == parts{"a", "", "b"});
}

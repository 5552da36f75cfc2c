// SPDX-License-Identifier: MIT
// End-to-end: scoped tokens are made and shown (SPEC 7.1): `token create
// --where` and `token list` on the CLI, "where" on POST/GET /api/v1/tokens
// (422 with a field error for a bad one), and a token made over REST is
// limited to its scope at once.

#include <string>

#include "scope_fixture.hpp"

using namespace sensorhub::e2e;

TEST_CASE("CLI: --where is stored and shown by token list, a bad clause is exit 2") {
  daemon_process d(std::vector<std::string>{});
  const auto made = d.token_command({"create", "--name", "cold", "--scopes", "read", "--where",
                                     "ubicacion=coldstore,freezer", "--where", "sensor_id=3,7"});
  INFO(made.all);
  REQUIRE(made.exit_code == 0);
  d.create_token("root", "read,write,admin");
  const auto list = d.token_command({"list"});
  REQUIRE(list.exit_code == 0);
  INFO(list.out);
  const auto cold_line = list.out.substr(list.out.find("cold "));
  CHECK(
      cold_line.substr(0, cold_line.find('\n')).find("sensor_id=3,7 ubicacion=coldstore,freezer") !=
      std::string::npos);
  const auto root_line = list.out.substr(list.out.find("root "));
  CHECK(root_line.substr(0, root_line.find('\n')).find(" all") != std::string::npos);

  for (const char* bad : {"color=red", "sensor_id=abc", "tipo=", "tipo"}) {
    CAPTURE(bad);
    const auto r = d.token_command({"create", "--name", "x", "--scopes", "read", "--where", bad});
    CHECK(r.exit_code == 2);
  }
  CHECK(d.token_command({"list"}).out.find("\nx ") == std::string::npos);
}

TEST_CASE("admin route: POST takes where, GET shows it, bad where is a 422 field error") {
  daemon_process d(std::vector<std::string>{});
  const std::string root = make_token(d, "root", "read,write,admin");
  const http_response made = call(
      d, "POST", "/api/v1/tokens", root,
      std::string(
          R"({"name":"gh","scopes":["read"],"where":{"tipo":["temperatura"],"sensor_id":[3,7]}})"));
  INFO(made.body);
  REQUIRE(made.status == 201);
  const json_doc j = made.json();
  CHECK(j["where"]["tipo"].strings() == std::vector<std::string>{"temperatura"});
  CHECK(j["where"]["sensor_id"].size() == 2);
  CHECK_FALSE(j["where"]["ubicacion"].exists());

  const json_doc all = call(d, "GET", "/api/v1/tokens", root).json();
  REQUIRE(all.root().is_array());
  bool seen_gh = false;
  for (std::size_t i = 0; i < all.root().size(); ++i) {
    const auto t = all.at(i);
    if (t["name"].str() == "gh") {
      seen_gh = true;
      CHECK(t["where"]["sensor_id"].at(1).i64() == 7);
    } else {
      CHECK(t["where"].is_object());
      CHECK(t["where"].size() == 0);  // unscoped: {}
    }
  }
  CHECK(seen_gh);

  for (const char* where :
       {R"({"color":["red"]})", R"({"tipo":"temperatura"})", R"({"sensor_id":["3"]})",
        R"({"sensor_id":[0]})", R"({"tipo":[]})", R"(["tipo"])"}) {
    CAPTURE(where);
    const http_response r =
        call(d, "POST", "/api/v1/tokens", root,
             std::string(R"({"name":"bad","scopes":["read"],"where":)") + where + "}");
    CHECK(error_mismatch(r, 422, "validation_failed", "where") == "");
  }
  const json_doc after = call(d, "GET", "/api/v1/tokens", root).json();
  CHECK(after.root().size() == 2);  // no bad token was stored
}

TEST_CASE("a scoped token made over REST is limited at once") {
  daemon_process d(std::vector<std::string>{});
  const std::string root = make_token(d, "root", "read,write,admin");
  const http_response made =
      call(d, "POST", "/api/v1/tokens", root,
           std::string(R"({"name":"hum","scopes":["read"],"where":{"tipo":["humedad"]}})"));
  REQUIRE(made.status == 201);
  const std::string hum = made.json()["token"].str();
  REQUIRE(wait_until([&] { return call(d, "GET", "/api/v1/sensores/", hum).status == 200; }));
  const std::int64_t t = created_id(call(d, "POST", "/api/v1/sensores/", root,
                                         std::string(R"({"tipo":"temperatura","modelo":"A"})")));
  const std::int64_t h = created_id(call(d, "POST", "/api/v1/sensores/", root,
                                         std::string(R"({"tipo":"humedad","modelo":"B"})")));
  CHECK(ids_of(call(d, "GET", "/api/v1/sensores/", hum)) == std::vector<std::int64_t>{h});
  CHECK(call(d, "GET", "/api/v1/sensores/" + std::to_string(t), hum).status == 404);
}

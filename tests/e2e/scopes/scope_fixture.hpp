// SPDX-License-Identifier: MIT
#pragma once

// The shared world of the data-scope e2e tests (SPEC 7.1): a daemon with
// auth on, an unscoped admin token, a token of the greenhouse team
// (read,write, --where ubicacion=greenhouse) and sensors and readings on
// both sides of that scope.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "../e2e_test_util.hpp"

namespace sensorhub::e2e {

inline header_list bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

inline http_response call(const daemon_process& d, const std::string& method,
                          const std::string& path, const std::string& token,
                          const std::optional<std::string>& body = std::nullopt) {
  return d.http().request(method, path, body, bearer(token));
}

// `token create` through the CLI with extra arguments (e.g. --where);
// waits until the running daemon accepts the token.
inline std::string make_token(const daemon_process& d, const std::string& name,
                              const std::string& scopes,
                              const std::vector<std::string>& where = {}) {
  std::vector<std::string> args{"create", "--name", name, "--scopes", scopes};
  for (const auto& w : where) {
    args.emplace_back("--where");
    args.push_back(w);
  }
  const auto r = d.token_command(args);
  INFO(r.all);
  REQUIRE(r.exit_code == 0);
  std::string token = r.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  REQUIRE(wait_until([&] { return call(d, "GET", "/api/v1/ws/stats", token).status != 401; }));
  return token;
}

inline std::int64_t created_id(const http_response& r) {
  INFO(r.status << " " << r.body);
  REQUIRE(r.status == 201);
  const auto id = r.json()["id"].i64();
  REQUIRE(id.has_value());
  return *id;
}

inline std::string sensor_body(const std::string& ubicacion) {
  return R"({"tipo":"temperatura","modelo":"DHT22","ubicacion":)" +
         (ubicacion == "null" ? std::string("null") : json_quote(ubicacion)) + "}";
}

// The ids of a JSON array of entities, in order.
inline std::vector<std::int64_t> ids_of(const http_response& r) {
  const json_doc j = r.json();
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < j.root().size(); ++i) out.push_back(j.at(i)["id"].i64().value_or(0));
  return out;
}

struct scope_world {
  daemon_process d{std::vector<std::string>{}};
  std::string root;   // read,write,admin; no scope
  std::string green;  // read,write; ubicacion=greenhouse
  std::int64_t in_sensor = 0, out_sensor = 0, null_sensor = 0;
  std::int64_t in_reading = 0, out_reading = 0;

  scope_world() {
    root = make_token(d, "root", "read,write,admin");
    green = make_token(d, "greenhouse", "read,write", {"ubicacion=greenhouse"});
    in_sensor = created_id(post_root("/api/v1/sensores/", sensor_body("greenhouse")));
    out_sensor = created_id(post_root("/api/v1/sensores/", sensor_body("coldstore")));
    null_sensor = created_id(post_root("/api/v1/sensores/", sensor_body("null")));
    in_reading = created_id(post_root("/api/v1/lecturas/", reading_body(in_sensor, 21.5)));
    out_reading = created_id(post_root("/api/v1/lecturas/", reading_body(out_sensor, -18.0)));
  }

  http_response post_root(const std::string& path, const std::string& body) const {
    return call(d, "POST", path, root, body);
  }
  static std::string reading_body(std::int64_t sensor_id, double valor) {
    return "{\"sensor_id\":" + std::to_string(sensor_id) + ",\"valor\":" + std::to_string(valor) +
           "}";
  }
  // PATCHes a sensor's ubicacion as root (moving it out of / into the scope).
  void move_sensor(std::int64_t id, const std::string& ubicacion) const {
    const http_response r = call(d, "PATCH", "/api/v1/sensores/" + std::to_string(id), root,
                                 "{\"ubicacion\":" + json_quote(ubicacion) + "}");
    INFO(r.body);
    REQUIRE(r.status == 200);
  }
};

// Opens a WebSocket on `target` with a Bearer token (none when empty) and
// consumes the two greetings.
inline ws_client open_ws_as(const daemon_process& d, const std::string& target,
                            const std::string& token) {
  ws_client c;
  const ws_handshake hs =
      c.connect(d.host(), d.port(), target, token.empty() ? header_list{} : bearer(token));
  INFO("handshake " << target << ": " << hs.response.status << " " << hs.response.body);
  REQUIRE(hs.upgraded);
  for (const char* type : {"connection_established", "stats"}) {
    auto m = c.recv_json();
    REQUIRE(m.has_value());
    CHECK((*m)["type"].str() == type);
  }
  return c;
}

// The next entity_event (skipping nothing else: any other message fails).
inline json_doc next_event(ws_client& c) {
  auto m = c.recv_json();
  REQUIRE(m.has_value());
  INFO(m->text());
  REQUIRE((*m)["type"].str() == "entity_event");
  return std::move(*m);
}

}  // namespace sensorhub::e2e

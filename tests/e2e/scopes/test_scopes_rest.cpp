// SPDX-License-Identifier: MIT
// End-to-end: SPEC 7.1 data scopes on every REST route against the real
// daemon. A scoped token tries each route with an out-of-scope id: reads and
// writes are 404 exactly like an id that does not exist, creating or moving
// a sensor out of the scope is 403, readings naming an out-of-scope sensor
// are the missing-sensor 422; lists and /events are filtered; an unscoped
// token sees everything.

#include <algorithm>
#include <string>
#include <vector>

#include "scope_fixture.hpp"

using namespace sensorhub::e2e;

namespace {

constexpr std::int64_t missing_id = 999999;

std::vector<std::int64_t> sorted(std::vector<std::int64_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::string sensor_path(std::int64_t id) { return "/api/v1/sensores/" + std::to_string(id); }
std::string reading_path(std::int64_t id) { return "/api/v1/lecturas/" + std::to_string(id); }

// An error body with "sensor N " / "lectura N " written "sensor ID ".
std::string without_id(std::string body, std::int64_t id) {
  for (const char* noun : {"sensor ", "lectura "}) {
    const std::string from = noun + std::to_string(id) + " ";
    for (auto at = body.find(from); at != std::string::npos; at = body.find(from, at)) {
      body.replace(at, from.size(), std::string(noun) + "ID ");
    }
  }
  return body;
}

// The out-of-scope answer is the answer for an id that does not exist (up
// to the id it names): a scope never reveals which ids exist.
void check_same_as_missing(const scope_world& w, const std::string& method,
                           const std::string& out_path, const std::string& missing_path,
                           const std::optional<std::string>& body, int status,
                           const std::string& code, std::int64_t out_id) {
  const http_response out = call(w.d, method, out_path, w.green, body);
  const http_response missing = call(w.d, method, missing_path, w.green, body);
  INFO(method << " " << out_path << " -> " << out.status << " " << out.body);
  CHECK(error_mismatch(out, status, code) == "");
  CHECK(out.status == missing.status);
  CHECK(without_id(out.body, out_id) == without_id(missing.body, missing_id));
}

}  // namespace

TEST_CASE("scoped token: sensor routes with out-of-scope ids are 404 like missing ids") {
  scope_world w;
  for (const std::int64_t out : {w.out_sensor, w.null_sensor}) {
    CAPTURE(out);
    const std::string p = sensor_path(out);
    const std::string m = sensor_path(missing_id);
    check_same_as_missing(w, "GET", p, m, std::nullopt, 404, "not_found", out);
    check_same_as_missing(w, "GET", p + "/lecturas", m + "/lecturas", std::nullopt, 404,
                          "not_found", out);
    for (const char* method : {"PUT", "PATCH"}) {
      // A body that is valid and would keep the sensor in scope.
      check_same_as_missing(w, method, p, m, sensor_body("greenhouse"), 404, "not_found", out);
    }
    check_same_as_missing(w, "DELETE", p, m, std::nullopt, 404, "not_found", out);
    // Nothing happened to it: the unscoped token still sees it unchanged.
    const http_response root_view = call(w.d, "GET", p, w.root);
    REQUIRE(root_view.status == 200);
    CHECK(root_view.json()["modelo"].str() == "DHT22");
  }
  // In scope: the same routes work.
  CHECK(call(w.d, "GET", sensor_path(w.in_sensor), w.green).status == 200);
  CHECK(call(w.d, "GET", sensor_path(w.in_sensor) + "/lecturas", w.green).status == 200);
  CHECK(call(w.d, "PATCH", sensor_path(w.in_sensor), w.green, std::string(R"({"modelo":"X"})"))
            .status == 200);
}

TEST_CASE("scoped token: creating a sensor outside the scope or moving one out is 403") {
  scope_world w;
  for (const std::string& u : {std::string("coldstore"), std::string("null")}) {
    const http_response r = call(w.d, "POST", "/api/v1/sensores/", w.green, sensor_body(u));
    CHECK(error_mismatch(r, 403, "forbidden") == "");
  }
  const http_response moved = call(w.d, "PATCH", sensor_path(w.in_sensor), w.green,
                                   std::string(R"({"ubicacion":"coldstore"})"));
  CHECK(error_mismatch(moved, 403, "forbidden") == "");
  CHECK(call(w.d, "GET", sensor_path(w.in_sensor), w.root).json()["ubicacion"].str() ==
        "greenhouse");
  const http_response put_out =
      call(w.d, "PUT", sensor_path(w.in_sensor), w.green, sensor_body("coldstore"));
  CHECK(error_mismatch(put_out, 403, "forbidden") == "");
  // Inside the scope: 201, and the new sensor is the token's to see.
  const std::int64_t mine =
      created_id(call(w.d, "POST", "/api/v1/sensores/", w.green, sensor_body("greenhouse")));
  CHECK(call(w.d, "GET", sensor_path(mine), w.green).status == 200);
}

TEST_CASE("scoped token: lists are filtered, the unscoped token sees everything") {
  scope_world w;
  const auto mine = ids_of(call(w.d, "GET", "/api/v1/sensores/", w.green));
  CHECK(mine == std::vector<std::int64_t>{w.in_sensor});
  const auto all = ids_of(call(w.d, "GET", "/api/v1/sensores/", w.root));
  CHECK(all == std::vector<std::int64_t>{w.in_sensor, w.out_sensor, w.null_sensor});
  // limit/offset apply after the scope: the first page is full of visible rows.
  for (int i = 0; i < 3; ++i) {
    created_id(w.post_root("/api/v1/sensores/", sensor_body("coldstore")));
    created_id(w.post_root("/api/v1/sensores/", sensor_body("greenhouse")));
  }
  const auto page = ids_of(call(w.d, "GET", "/api/v1/sensores/?limit=2&offset=1", w.green));
  CHECK(page.size() == 2);
  for (const auto id : page) {
    CHECK(call(w.d, "GET", sensor_path(id), w.root).json()["ubicacion"].str() == "greenhouse");
  }
  CHECK(ids_of(call(w.d, "GET", "/api/v1/lecturas/", w.green)) ==
        std::vector<std::int64_t>{w.in_reading});
  CHECK(sorted(ids_of(call(w.d, "GET", "/api/v1/lecturas/", w.root))) ==
        std::vector<std::int64_t>{w.in_reading, w.out_reading});
  const http_response filtered =
      call(w.d, "GET", "/api/v1/lecturas/?sensor_id=" + std::to_string(w.out_sensor), w.green);
  CHECK(filtered.status == 200);
  CHECK(ids_of(filtered).empty());  // a filter never widens the scope
}

TEST_CASE("scoped token: reading routes with out-of-scope ids are 404 or the missing-sensor 422") {
  scope_world w;
  const std::string p = reading_path(w.out_reading);
  const std::string m = reading_path(missing_id);
  const std::int64_t r = w.out_reading;
  check_same_as_missing(w, "GET", p, m, std::nullopt, 404, "not_found", r);
  for (const char* method : {"PUT", "PATCH"}) {
    check_same_as_missing(w, method, p, m, w.reading_body(w.in_sensor, 1), 404, "not_found", r);
  }
  check_same_as_missing(w, "DELETE", p, m, std::nullopt, 404, "not_found", r);
  CHECK(call(w.d, "GET", p, w.root).status == 200);

  // Creating a reading of an out-of-scope sensor: the 422 of a missing sensor.
  const http_response out =
      call(w.d, "POST", "/api/v1/lecturas/", w.green, w.reading_body(w.out_sensor, 1));
  const http_response missing =
      call(w.d, "POST", "/api/v1/lecturas/", w.green, w.reading_body(missing_id, 1));
  CHECK(error_mismatch(out, 422, "validation_failed", "sensor_id") == "");
  CHECK(without_id(out.body, w.out_sensor) == without_id(missing.body, missing_id));

  // A batch naming one: 422 with that item's field, like a missing sensor.
  auto batch = [&](std::int64_t second) {
    return call(w.d, "POST", "/api/v1/lecturas/batch", w.green,
                "[" + w.reading_body(w.in_sensor, 1) + "," + w.reading_body(second, 2) + "]");
  };
  const http_response batch_out = batch(w.out_sensor);
  CHECK(error_mismatch(batch_out, 422, "validation_failed", "[1].sensor_id") == "");
  CHECK(without_id(batch_out.body, w.out_sensor) == without_id(batch(missing_id).body, missing_id));

  // Moving an in-scope reading to an out-of-scope sensor: the same 422.
  const http_response move = call(w.d, "PATCH", reading_path(w.in_reading), w.green,
                                  "{\"sensor_id\":" + std::to_string(w.out_sensor) + "}");
  CHECK(error_mismatch(move, 422, "validation_failed", "sensor_id") == "");
  CHECK(sorted(ids_of(call(w.d, "GET", "/api/v1/lecturas/", w.root))) ==
        std::vector<std::int64_t>{w.in_reading, w.out_reading});  // nothing was written
}

TEST_CASE("scoped token: /events holds only its sensors' events, /ws/stats stays global") {
  scope_world w;
  // Entity events by sensor; system events (server_started) are everyone's.
  auto entity_sensors = [&](const std::string& token) {
    const json_doc j = call(w.d, "GET", "/api/v1/events", token).json();
    REQUIRE(j.root().is_array());
    std::vector<std::int64_t> out;
    for (std::size_t i = 0; i < j.root().size(); ++i) {
      const auto e = j.at(i);
      if (e["type"].str() != "entity_event") continue;
      const bool is_sensor = e["entity_type"].str() == "sensor";
      out.push_back((is_sensor ? e["entity_id"] : e["data"]["sensor_id"]).i64().value_or(0));
    }
    return out;
  };
  // The in-scope sensor's creation and its reading's; the unscoped token: all five.
  CHECK(entity_sensors(w.green) == std::vector<std::int64_t>{w.in_sensor, w.in_sensor});
  CHECK(entity_sensors(w.root) == std::vector<std::int64_t>{w.in_sensor, w.out_sensor,
                                                            w.null_sensor, w.in_sensor,
                                                            w.out_sensor});
  // The daemon publishes asynchronously: once the counts are settled, both
  // tokens read the same global figures.
  std::int64_t mine_published = -1;
  std::int64_t root_published = -2;
  CHECK(wait_until([&] {
    const json_doc stats_mine = call(w.d, "GET", "/api/v1/ws/stats", w.green).json();
    const json_doc stats_root = call(w.d, "GET", "/api/v1/ws/stats", w.root).json();
    mine_published = stats_mine["events_published"].i64().value_or(-1);
    root_published = stats_root["events_published"].i64().value_or(-2);
    return stats_mine["last_seq"].i64() == stats_root["last_seq"].i64() &&
           mine_published == root_published;
  }));
  CHECK(mine_published == root_published);
}

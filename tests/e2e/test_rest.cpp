// SPDX-License-Identifier: MIT
// End-to-end: the REST API of SPEC §2 (happy paths) against the real daemon.

#include <algorithm>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "e2e_test_util.hpp"

using namespace sensorhub::e2e;

namespace {

std::vector<std::int64_t> ids_of(const json_doc& arr) {
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < arr.root().size(); ++i)
    ids.push_back(arr.at(i)["id"].i64().value_or(-1));
  return ids;
}

}  // namespace

TEST_CASE("daemon prints its address first and serves /healthz and /metrics") {
  daemon_process d;
  CHECK(d.first_line().rfind("listening on http://", 0) == 0);
  CHECK(d.port() != 0);
  const auto h = d.http();

  const http_response r = h.get("/healthz");
  CHECK(r.status == 200);
  CHECK(r.header("content-type").find("application/json") != std::string::npos);
  const json_doc j = r.json();
  REQUIRE(j.ok());
  CHECK(j.root().keys() == std::set<std::string>{"status"});
  CHECK(j["status"].str() == "ok");

  const http_response m = h.get("/metrics");
  CHECK(m.status == 200);
  CHECK(m.header("content-type").find("text/plain") != std::string::npos);
  CHECK(m.body.find("# TYPE") != std::string::npos);
}

TEST_CASE("/metrics is Prometheus text with channels, request counts and a latency histogram") {
  daemon_process d;
  const auto h = d.http();
  create_sensor(h);
  CHECK(h.get("/api/v1/sensores/424242").status == 404);
  const http_response m = h.get("/metrics");
  REQUIRE(m.status == 200);
  static const std::regex sample(
      R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+]?([0-9.eE+-]+|Inf|NaN)( [0-9]+)?$)");
  std::istringstream lines(m.body);
  std::string line;
  std::size_t bad = 0, samples = 0;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    ++samples;
    if (!std::regex_match(line, sample)) {
      ++bad;
      INFO("bad sample line: " << line);
      CHECK(false);
    }
  }
  CHECK(bad == 0);
  CHECK(samples > 5);
  CHECK(m.body.find("channel=\"sensors\"") != std::string::npos);
  CHECK(m.body.find("status=\"201\"") != std::string::npos);
  CHECK(m.body.find("status=\"404\"") != std::string::npos);
  CHECK(m.body.find("_bucket{le=\"+Inf\"}") != std::string::npos);
  CHECK(m.body.find("# TYPE") != std::string::npos);
  CHECK(m.body.find("histogram") != std::string::npos);
}

TEST_CASE("GET / serves a self-contained dashboard page") {
  daemon_process d;
  const http_response r = d.http().get("/");
  CHECK(r.status == 200);
  CHECK(r.header("content-type").find("text/html") != std::string::npos);
  CHECK(r.body.find("<html") != std::string::npos);
  CHECK(r.body.find("/api/v1/ws") != std::string::npos);
  // Works offline: nothing loaded from another origin.
  for (const char* ext : {"src=\"http", "href=\"http", "src='http", "href='http", "@import",
                          "url(http", "url(\"http"}) {
    INFO(ext);
    CHECK(r.body.find(ext) == std::string::npos);
  }
}

TEST_CASE("sensor create read update delete over /api/v1/sensores/") {
  daemon_process d;
  const auto h = d.http();

  const http_response c =
      h.post("/api/v1/sensores/", R"({"tipo":"temperatura","modelo":"DHT22","ubicacion":"lab"})");
  REQUIRE(c.status == 201);
  const json_doc s = c.json();
  REQUIRE(s.ok());
  CHECK(s.root().keys() == std::set<std::string>{"id", "tipo", "modelo", "ubicacion", "activo",
                                                 "created_at", "updated_at"});
  const auto id = s["id"].i64();
  REQUIRE(id.has_value());
  CHECK(*id > 0);
  CHECK(s["tipo"].str() == "temperatura");
  CHECK(s["modelo"].str() == "DHT22");
  CHECK(s["ubicacion"].str() == "lab");
  CHECK(s["activo"].boolean() == true);
  CHECK(is_server_time(s["created_at"].str()));
  CHECK(is_server_time(s["updated_at"].str()));
  const std::string path = "/api/v1/sensores/" + std::to_string(*id);

  // Defaults: ubicacion null, activo true.
  const json_doc s2 = post_created(h, "/api/v1/sensores/", R"({"tipo":"humedad","modelo":"X"})");
  CHECK(s2["ubicacion"].is_null());
  CHECK(s2["activo"].boolean() == true);
  CHECK(s2["id"].i64() > id);

  const http_response g = h.get(path);
  CHECK(g.status == 200);
  CHECK(json_equal(g.json().root(), s.root()));

  const http_response l = h.get("/api/v1/sensores/");
  CHECK(l.status == 200);
  const json_doc arr = l.json();
  REQUIRE(arr.root().is_array());
  CHECK(arr.root().size() == 2);

  // PUT is a partial update.
  const http_response u = h.put(path, R"({"modelo":"DHT11"})");
  CHECK(u.status == 200);
  const json_doc uj = u.json();
  CHECK(uj["modelo"].str() == "DHT11");
  CHECK(uj["tipo"].str() == "temperatura");
  CHECK(uj["ubicacion"].str() == "lab");
  CHECK(uj["created_at"].str() == s["created_at"].str());
  CHECK(uj["updated_at"].str() >= s["updated_at"].str());

  // PATCH too; ubicacion may be set back to null.
  const http_response p = h.patch(path, R"({"ubicacion":null,"activo":false})");
  CHECK(p.status == 200);
  const json_doc pj = p.json();
  CHECK(pj["ubicacion"].is_null());
  CHECK(pj["activo"].boolean() == false);
  CHECK(pj["modelo"].str() == "DHT11");
  CHECK(json_equal(h.get(path).json().root(), pj.root()));

  const http_response del = h.del(path);
  CHECK(del.status == 204);
  CHECK(del.body.empty());
  CHECK(error_mismatch(h.get(path), 404, "not_found") == "");
  CHECK(error_mismatch(h.del(path), 404, "not_found") == "");
  CHECK(error_mismatch(h.put(path, R"({"modelo":"Z"})"), 404, "not_found") == "");
  CHECK(h.get("/api/v1/sensores/").json().root().size() == 1);
  CHECK(healthy(d));
}

TEST_CASE("client times are normalized to UTC with microseconds") {
  daemon_process d;
  const auto h = d.http();
  const auto sid = create_sensor(h);
  const json_doc a = post_created(h, "/api/v1/lecturas/",
                                  "{\"sensor_id\":" + std::to_string(sid) +
                                      R"(,"valor":1,"timestamp":"2025-01-01T10:00:00+02:00"})");
  CHECK(a["timestamp"].str() == "2025-01-01T08:00:00.000000+00:00");
  const json_doc b = post_created(h, "/api/v1/lecturas/",
                                  "{\"sensor_id\":" + std::to_string(sid) +
                                      R"(,"valor":2,"timestamp":"2025-01-01T08:00:00.5Z"})");
  CHECK(b["timestamp"].str() == "2025-01-01T08:00:00.500000+00:00");
  // Default timestamp: now, server format.
  const json_doc c = post_created(h, "/api/v1/lecturas/",
                                  "{\"sensor_id\":" + std::to_string(sid) + R"(,"valor":-3.25})");
  CHECK(is_server_time(c["timestamp"].str()));
  CHECK(c["valor"].num() == -3.25);
  CHECK(c["unidad"].is_null());
  CHECK(c.root().keys() == std::set<std::string>{"id", "sensor_id", "valor", "unidad", "timestamp",
                                                 "created_at", "updated_at"});
}

TEST_CASE("/test-sensors/ mirrors /sensores/ when --test-endpoints is given") {
  daemon_process d;
  const auto h = d.http();
  const auto id = create_sensor(h, "temperatura", "DHT22", "/api/v1/test-sensors/");
  const std::string tpath = "/api/v1/test-sensors/" + std::to_string(id);
  CHECK(h.get(tpath).status == 200);
  CHECK(h.get("/api/v1/sensores/" + std::to_string(id)).status == 200);
  CHECK(h.get("/api/v1/test-sensors/").json().root().size() == 1);
  CHECK(h.put(tpath, R"({"modelo":"B"})").json()["modelo"].str() == "B");
  CHECK(h.patch(tpath, R"({"modelo":"C"})").json()["modelo"].str() == "C");
  CHECK(h.del(tpath).status == 204);
  CHECK(error_mismatch(h.get(tpath), 404, "not_found") == "");
}

TEST_CASE("/test-sensors/ is 404 without --test-endpoints") {
  daemon_process d({"--no-auth"});
  const auto h = d.http();
  CHECK(error_mismatch(h.get("/api/v1/test-sensors/"), 404, "not_found") == "");
  CHECK(error_mismatch(h.post("/api/v1/test-sensors/", R"({"tipo":"t","modelo":"m"})"), 404,
                       "not_found") == "");
  CHECK(error_mismatch(h.get("/api/v1/test-sensors/1"), 404, "not_found") == "");
  CHECK(error_mismatch(h.del("/api/v1/test-sensors/1"), 404, "not_found") == "");
  // Nothing was created through the hidden route.
  CHECK(h.get("/api/v1/sensores/").json().root().size() == 0);
  CHECK(healthy(d));
}

TEST_CASE("sensor list: tipo filter limit and offset") {
  daemon_process d;
  const auto h = d.http();
  std::vector<std::int64_t> temp;
  for (int i = 0; i < 5; ++i)
    temp.push_back(create_sensor(h, "temperatura", "M" + std::to_string(i)));
  const auto hum = create_sensor(h, "humedad", "H");

  const json_doc t = h.get("/api/v1/sensores/?tipo=temperatura").json();
  CHECK(t.root().size() == 5);
  for (std::size_t i = 0; i < t.root().size(); ++i) CHECK(t.at(i)["tipo"].str() == "temperatura");
  const json_doc hj = h.get("/api/v1/sensores/?tipo=humedad").json();
  REQUIRE(hj.root().size() == 1);
  CHECK(hj.at(0)["id"].i64() == hum);
  CHECK(h.get("/api/v1/sensores/?tipo=nada").json().root().size() == 0);

  const auto all = ids_of(h.get("/api/v1/sensores/").json());
  CHECK(all.size() == 6);
  const auto page1 = ids_of(h.get("/api/v1/sensores/?limit=2").json());
  const auto page2 = ids_of(h.get("/api/v1/sensores/?limit=2&offset=2").json());
  const auto page4 = ids_of(h.get("/api/v1/sensores/?limit=2&offset=6").json());
  REQUIRE(page1.size() == 2);
  REQUIRE(page2.size() == 2);
  CHECK(page4.empty());
  CHECK(std::vector<std::int64_t>(all.begin(), all.begin() + 2) == page1);
  CHECK(std::vector<std::int64_t>(all.begin() + 2, all.begin() + 4) == page2);
  CHECK(h.get("/api/v1/sensores/?limit=1000").status == 200);
  CHECK(error_mismatch(h.get("/api/v1/sensores/?limit=1001"), 422, "validation_failed") == "");
}

TEST_CASE("reading lists: newest first since inclusive until exclusive sensor filter") {
  daemon_process d;
  const auto h = d.http();
  const auto s1 = create_sensor(h);
  const auto s2 = create_sensor(h);
  auto at = [&](std::int64_t sid, int minute) {
    char ts[64];
    std::snprintf(ts, sizeof ts, "2025-03-01T10:%02d:00+00:00", minute);
    return create_reading(h, sid, minute, std::string(",\"timestamp\":\"") + ts + "\"");
  };
  // Inserted out of time order on purpose.
  const auto r3 = at(s1, 3);
  const auto r1 = at(s1, 1);
  const auto r2 = at(s1, 2);
  const auto r2b = at(s1, 2);  // same timestamp: tie broken by id, newest (highest) first
  const auto x5 = at(s2, 5);

  CHECK(ids_of(h.get("/api/v1/lecturas/").json()) ==
        std::vector<std::int64_t>{x5, r3, r2b, r2, r1});
  CHECK(ids_of(h.get("/api/v1/lecturas/?sensor_id=" + std::to_string(s1)).json()) ==
        std::vector<std::int64_t>{r3, r2b, r2, r1});
  const std::string sub = "/api/v1/sensores/" + std::to_string(s1) + "/lecturas";
  CHECK(ids_of(h.get(sub).json()) == std::vector<std::int64_t>{r3, r2b, r2, r1});
  CHECK(ids_of(h.get(sub + "?since=2025-03-01T10:02:00%2B00:00").json()) ==
        std::vector<std::int64_t>{r3, r2b, r2});
  CHECK(ids_of(h.get(sub + "?until=2025-03-01T10:02:00Z").json()) == std::vector<std::int64_t>{r1});
  CHECK(ids_of(h.get(sub + "?since=2025-03-01T10:02:00Z&until=2025-03-01T10:03:00Z").json()) ==
        std::vector<std::int64_t>{r2b, r2});
  // Other offsets are normalized before comparing: 12:02+02:00 == 10:02Z.
  CHECK(ids_of(h.get(sub + "?since=2025-03-01T12:02:00%2B02:00").json()) ==
        std::vector<std::int64_t>{r3, r2b, r2});
  CHECK(ids_of(h.get(sub + "?limit=1").json()) == std::vector<std::int64_t>{r3});
  CHECK(ids_of(h.get("/api/v1/lecturas/?since=2025-03-01T10:03:00Z").json()) ==
        std::vector<std::int64_t>{x5, r3});
  CHECK(ids_of(h.get("/api/v1/lecturas/?limit=2&offset=1").json()) ==
        std::vector<std::int64_t>{r3, r2b});
  // Readings of an unknown sensor.
  const http_response unknown = h.get("/api/v1/sensores/999999/lecturas");
  CHECK((unknown.status == 404 || (unknown.status == 200 && unknown.json().root().size() == 0)));
}

TEST_CASE("reading update delete and cascade on sensor delete") {
  daemon_process d;
  const auto h = d.http();
  const auto sid = create_sensor(h);
  const auto r1 = create_reading(h, sid, 20.5, R"(,"unidad":"C")");
  const auto r2 = create_reading(h, sid, 21.5);
  const std::string p1 = "/api/v1/lecturas/" + std::to_string(r1);
  const json_doc got = h.get(p1).json();
  CHECK(got["valor"].num() == 20.5);
  CHECK(got["unidad"].str() == "C");
  CHECK(got["sensor_id"].i64() == sid);

  const http_response u = h.put(p1, R"({"valor":22})");
  CHECK(u.status == 200);
  CHECK(u.json()["valor"].num() == 22.0);
  CHECK(u.json()["unidad"].str() == "C");
  const http_response p = h.patch(p1, R"({"unidad":null})");
  CHECK(p.status == 200);
  CHECK(p.json()["unidad"].is_null());
  // Moving a reading to a missing sensor is a validation error.
  CHECK(error_mismatch(h.patch(p1, R"({"sensor_id":987654})"), 422, "validation_failed",
                       "sensor_id") == "");

  CHECK(h.del(p1).status == 204);
  CHECK(error_mismatch(h.get(p1), 404, "not_found") == "");

  CHECK(h.del("/api/v1/sensores/" + std::to_string(sid)).status == 204);
  CHECK(error_mismatch(h.get("/api/v1/lecturas/" + std::to_string(r2)), 404, "not_found") == "");
  CHECK(h.get("/api/v1/lecturas/").json().root().size() == 0);
}

TEST_CASE("batch create: 201 with created/first_id/last_id all or nothing") {
  daemon_process d;
  const auto h = d.http();
  const auto sid = create_sensor(h);
  const std::string s = std::to_string(sid);
  const http_response r =
      h.post("/api/v1/lecturas/batch",
             "[{\"sensor_id\":" + s + ",\"valor\":1},{\"sensor_id\":" + s +
                 ",\"valor\":2,\"unidad\":\"C\"},{\"sensor_id\":" + s + ",\"valor\":3}]");
  REQUIRE(r.status == 201);
  const json_doc j = r.json();
  CHECK(j.root().keys() == std::set<std::string>{"created", "first_id", "last_id"});
  CHECK(j["created"].i64() == 3);
  REQUIRE(j["first_id"].i64().has_value());
  CHECK(j["last_id"].i64() == *j["first_id"].i64() + 2);
  for (std::int64_t id = *j["first_id"].i64(); id <= j["last_id"].i64().value_or(0); ++id) {
    const json_doc one = h.get("/api/v1/lecturas/" + std::to_string(id)).json();
    CHECK(one["valor"].num() == static_cast<double>(id - *j["first_id"].i64() + 1));
  }

  // A bad item anywhere rejects the whole batch.
  const http_response bad =
      h.post("/api/v1/lecturas/batch",
             "[{\"sensor_id\":" + s + ",\"valor\":4},{\"sensor_id\":" + s + ",\"valor\":\"x\"}]");
  CHECK(bad.status == 422);
  CHECK(bad.json()["error"].str() == "validation_failed");
  const http_response missing =
      h.post("/api/v1/lecturas/batch",
             "[{\"sensor_id\":" + s + ",\"valor\":4},{\"sensor_id\":99999,\"valor\":5}]");
  CHECK(missing.status == 422);
  CHECK(h.get("/api/v1/lecturas/").json().root().size() == 3);

  // 1..10,000 items.
  CHECK(error_mismatch(h.post("/api/v1/lecturas/batch", "[]"), 422, "validation_failed") == "");
  std::string big = "[";
  for (int i = 0; i < 10001; ++i)
    big += (i ? ",{\"sensor_id\":" : "{\"sensor_id\":") + s + ",\"valor\":1}";
  big += "]";
  CHECK(error_mismatch(h.post("/api/v1/lecturas/batch", big), 422, "validation_failed") == "");
  CHECK(h.get("/api/v1/lecturas/").json().root().size() == 3);
  // Exactly 10,000 is fine.
  big = "[";
  for (int i = 0; i < 10000; ++i)
    big += (i ? ",{\"sensor_id\":" : "{\"sensor_id\":") + s + ",\"valor\":1}";
  big += "]";
  const http_response ok = h.post("/api/v1/lecturas/batch", big);
  CHECK(ok.status == 201);
  CHECK(ok.json()["created"].i64() == 10000);
  // Not a JSON array.
  CHECK(h.post("/api/v1/lecturas/batch", "{\"sensor_id\":" + s + ",\"valor\":1}").status == 422);
  CHECK(healthy(d));
}

TEST_CASE("batch bodies may exceed 1 MiB (batch limit is 16 MiB)") {
  daemon_process d;
  const auto h = d.http();
  const std::string s = std::to_string(create_sensor(h));
  // 2 MiB of JSON whitespace around 10 readings.
  std::string body = "[";
  for (int i = 0; i < 10; ++i) {
    body += (i ? "," : "") + std::string(200 * 1024, ' ') + "{\"sensor_id\":" + s + ",\"valor\":1}";
  }
  body += "]";
  REQUIRE(body.size() > 2 * 1000 * 1000);
  const http_response r = h.post("/api/v1/lecturas/batch", body);
  CHECK(r.status == 201);
  CHECK(r.json()["created"].i64() == 10);
  // Over 16 MiB: 413.
  std::string huge = "[" + std::string(16 * 1024 * 1024 + 10, ' ') + "]";
  CHECK(error_mismatch(h.post("/api/v1/lecturas/batch", huge), 413, "payload_too_large") == "");
  CHECK(healthy(d));
}

// SPDX-License-Identifier: MIT
// End-to-end: every bad-input class of SPEC §2 with its exact status and
// error code; the daemon stays healthy after each.

#include <string>
#include <vector>

#include "e2e_test_util.hpp"

using namespace sensorhub::e2e;

namespace {

// One daemon per test process (ctest runs each test case in its own process).
daemon_process& shared_daemon() {
  static daemon_process d;
  return d;
}

struct fixture {
  daemon_process& d = shared_daemon();
  http_client h = d.http();
  std::int64_t sensor = 0;
  std::string sensor_path;

  std::size_t sensors0 = 0;
  std::size_t readings0 = 0;

  fixture() {
    sensor = create_sensor(h);
    sensor_path = "/api/v1/sensores/" + std::to_string(sensor);
    sensors0 = count("/api/v1/sensores/");
    readings0 = count("/api/v1/lecturas/");
  }
  ~fixture() {
    CHECK(d.running());
    CHECK(healthy(d));
  }
  fixture(const fixture&) = delete;
  fixture& operator=(const fixture&) = delete;

  std::string reading(const std::string& rest) const {
    return "{\"sensor_id\":" + std::to_string(sensor) + rest + "}";
  }
  std::size_t count(const std::string& path) const {
    return h.get(path + "?limit=1000").json().root().size();
  }
  // Rows created since the fixture was set up (the daemon is shared).
  std::size_t new_sensors() const { return count("/api/v1/sensores/") - sensors0; }
  std::size_t new_readings() const { return count("/api/v1/lecturas/") - readings0; }
};

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("malformed JSON is 400 invalid_json") {
  fixture f;
  const std::vector<std::string> bodies = {R"({"tipo":)",
                                           R"({tipo:"x","modelo":"m"})",
                                           R"({"tipo":"a","modelo":"b",})",
                                           R"({"tipo":'a',"modelo":"b"})",
                                           R"({"tipo":"a","modelo":"b"} trailing)",
                                           "",
                                           "{\"tipo\":\"a\xff\",\"modelo\":\"b\"}",
                                           "{\"tipo\":\"a\xc3\",\"modelo\":\"b\"}",
                                           R"({"tipo":"a","modelo":"b")"};
  const std::vector<std::string> paths = {"/api/v1/sensores/", "/api/v1/test-sensors/",
                                          "/api/v1/lecturas/", "/api/v1/lecturas/batch",
                                          "/api/v1/ws/test-event"};
  const auto before = f.count("/api/v1/sensores/");
  for (const auto& path : paths) {
    for (const auto& body : bodies) {
      INFO(path << " <- " << body);
      CHECK(error_mismatch(f.h.post(path, body), 400, "invalid_json") == "");
    }
  }
  for (const auto& body : bodies) {
    INFO("PUT " << body);
    CHECK(error_mismatch(f.h.put(f.sensor_path, body), 400, "invalid_json") == "");
    CHECK(error_mismatch(f.h.patch(f.sensor_path, body), 400, "invalid_json") == "");
  }
  CHECK(f.count("/api/v1/sensores/") == before);
}

TEST_CASE("NaN and Infinity literals are 400 invalid_json") {
  fixture f;
  for (const char* lit : {"NaN", "Infinity", "-Infinity", "nan", "inf"}) {
    INFO(lit);
    CHECK(error_mismatch(f.h.post("/api/v1/lecturas/", f.reading(std::string(",\"valor\":") + lit)),
                         400, "invalid_json") == "");
  }
  CHECK(f.new_readings() == 0);
}

TEST_CASE("deeply nested JSON does not crash the daemon") {
  fixture f;
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  const http_response r = f.h.post("/api/v1/sensores/", deep);
  CHECK((r.status == 400 || r.status == 422));
  const std::string deep_obj = repeat("{\"a\":", 100000) + "1" + std::string(100000, '}');
  const http_response r2 = f.h.post("/api/v1/lecturas/", deep_obj);
  CHECK((r2.status == 400 || r2.status == 422));
}

TEST_CASE("wrong JSON types are 422 validation_failed naming the field") {
  fixture f;
  struct bad {
    std::string path;
    std::string body;
    const char* field;
  };
  const std::string s = std::to_string(f.sensor);
  const std::vector<bad> cases = {
      {"/api/v1/sensores/", R"({"tipo":5,"modelo":"m"})", "tipo"},
      {"/api/v1/sensores/", R"({"tipo":"t","modelo":true})", "modelo"},
      {"/api/v1/sensores/", R"({"tipo":null,"modelo":"m"})", "tipo"},
      {"/api/v1/sensores/", R"({"tipo":"t","modelo":"m","ubicacion":5})", "ubicacion"},
      {"/api/v1/sensores/", R"({"tipo":"t","modelo":"m","activo":1})", "activo"},
      {"/api/v1/sensores/", R"({"tipo":"t","modelo":"m","activo":"true"})", "activo"},
      {"/api/v1/sensores/", R"({"tipo":["t"],"modelo":"m"})", "tipo"},
      {"/api/v1/lecturas/", R"({"sensor_id":")" + s + R"(","valor":1})", "sensor_id"},
      {"/api/v1/lecturas/", R"({"sensor_id":1.5,"valor":1})", "sensor_id"},
      {"/api/v1/lecturas/", R"({"sensor_id":)" + s + R"(,"valor":"21.5"})", "valor"},
      {"/api/v1/lecturas/", R"({"sensor_id":)" + s + R"(,"valor":true})", "valor"},
      {"/api/v1/lecturas/", R"({"sensor_id":)" + s + R"(,"valor":null})", "valor"},
      {"/api/v1/lecturas/", R"({"sensor_id":)" + s + R"(,"valor":1,"unidad":5})", "unidad"},
      {"/api/v1/lecturas/", R"({"sensor_id":)" + s + R"(,"valor":1,"timestamp":5})", "timestamp"},
      {"/api/v1/lecturas/", R"({"sensor_id":)" + s + R"(,"valor":1,"timestamp":"yesterday"})",
       "timestamp"},
      {"/api/v1/lecturas/",
       R"({"sensor_id":)" + s + R"(,"valor":1,"timestamp":"2025-13-45T99:00:00Z"})", "timestamp"},
  };
  for (const auto& c : cases) {
    INFO("POST " << c.path << " " << c.body);
    CHECK(error_mismatch(f.h.post(c.path, c.body), 422, "validation_failed", c.field) == "");
  }
  // Updates validate types too.
  CHECK(error_mismatch(f.h.put(f.sensor_path, R"({"modelo":7})"), 422, "validation_failed",
                       "modelo") == "");
  CHECK(error_mismatch(f.h.patch(f.sensor_path, R"({"activo":0})"), 422, "validation_failed",
                       "activo") == "");
  // A body that is JSON but not an object.
  for (const char* body : {"[]", "\"x\"", "42", "null", "true"}) {
    INFO(body);
    CHECK(error_mismatch(f.h.post("/api/v1/sensores/", body), 422, "validation_failed") == "");
  }
  CHECK(f.new_sensors() == 0);
  CHECK(f.new_readings() == 0);
}

TEST_CASE("missing required fields are 422 naming each field") {
  fixture f;
  const http_response r = f.h.post("/api/v1/sensores/", "{}");
  CHECK(error_mismatch(r, 422, "validation_failed", "tipo") == "");
  CHECK(error_mismatch(r, 422, "validation_failed", "modelo") == "");
  CHECK(error_mismatch(f.h.post("/api/v1/sensores/", R"({"tipo":"t"})"), 422, "validation_failed",
                       "modelo") == "");
  CHECK(error_mismatch(f.h.post("/api/v1/lecturas/", R"({"valor":1})"), 422, "validation_failed",
                       "sensor_id") == "");
  CHECK(error_mismatch(f.h.post("/api/v1/lecturas/", f.reading("")), 422, "validation_failed",
                       "valor") == "");
  CHECK(f.new_sensors() == 0);
}

TEST_CASE("unknown fields are 422 naming the field") {
  fixture f;
  CHECK(error_mismatch(f.h.post("/api/v1/sensores/", R"({"tipo":"t","modelo":"m","color":"red"})"),
                       422, "validation_failed", "color") == "");
  CHECK(error_mismatch(f.h.post("/api/v1/lecturas/", f.reading(R"(,"valor":1,"extra":1)")), 422,
                       "validation_failed", "extra") == "");
  CHECK(error_mismatch(f.h.put(f.sensor_path, R"({"colour":1})"), 422, "validation_failed",
                       "colour") == "");
  CHECK(f.new_sensors() == 0);
}

TEST_CASE("string lengths count code points - too long is 422") {
  fixture f;
  auto sensor = [](const std::string& tipo, const std::string& modelo, const std::string& ub = "") {
    return "{\"tipo\":" + json_quote(tipo) + ",\"modelo\":" + json_quote(modelo) +
           (ub.empty() ? "" : ",\"ubicacion\":" + json_quote(ub)) + "}";
  };
  const std::string e_acute = "\xc3\xa9";        // 2 bytes, 1 code point
  const std::string emoji = "\xf0\x9f\x8c\xa1";  // 4 bytes, 1 code point
  CHECK(f.h.post("/api/v1/sensores/", sensor(std::string(64, 't'), "m")).status == 201);
  CHECK(f.h.post("/api/v1/sensores/", sensor(repeat(e_acute, 64), "m")).status == 201);
  CHECK(f.h.post("/api/v1/sensores/", sensor(repeat(emoji, 64), "m")).status == 201);
  CHECK(f.h.post("/api/v1/sensores/", sensor("t", std::string(128, 'm'))).status == 201);
  CHECK(f.h.post("/api/v1/sensores/", sensor("t", "m", std::string(256, 'u'))).status == 201);
  CHECK(f.h.post("/api/v1/lecturas/",
                 f.reading(",\"valor\":1,\"unidad\":" + json_quote(repeat(e_acute, 32))))
            .status == 201);

  CHECK(error_mismatch(f.h.post("/api/v1/sensores/", sensor("", "m")), 422, "validation_failed",
                       "tipo") == "");
  CHECK(error_mismatch(f.h.post("/api/v1/sensores/", sensor("t", "")), 422, "validation_failed",
                       "modelo") == "");
  CHECK(error_mismatch(f.h.post("/api/v1/sensores/", sensor(std::string(65, 't'), "m")), 422,
                       "validation_failed", "tipo") == "");
  CHECK(error_mismatch(f.h.post("/api/v1/sensores/", sensor(repeat(e_acute, 65), "m")), 422,
                       "validation_failed", "tipo") == "");
  CHECK(error_mismatch(f.h.post("/api/v1/sensores/", sensor("t", std::string(129, 'm'))), 422,
                       "validation_failed", "modelo") == "");
  CHECK(error_mismatch(f.h.post("/api/v1/sensores/", sensor("t", "m", std::string(257, 'u'))), 422,
                       "validation_failed", "ubicacion") == "");
  CHECK(error_mismatch(f.h.post("/api/v1/lecturas/", f.reading(",\"valor\":1,\"unidad\":" +
                                                               json_quote(std::string(33, 'u')))),
                       422, "validation_failed", "unidad") == "");
  CHECK(
      error_mismatch(f.h.put(f.sensor_path, "{\"tipo\":" + json_quote(std::string(65, 't')) + "}"),
                     422, "validation_failed", "tipo") == "");
  CHECK(error_mismatch(f.h.put(f.sensor_path, R"({"tipo":""})"), 422, "validation_failed",
                       "tipo") == "");
  CHECK(f.new_sensors() == 5);
  CHECK(f.new_readings() == 1);
}

TEST_CASE("numbers out of range are 422") {
  fixture f;
  CHECK(error_mismatch(f.h.post("/api/v1/lecturas/", f.reading(",\"valor\":1e999")), 422,
                       "validation_failed", "valor") == "");
  CHECK(error_mismatch(f.h.post("/api/v1/lecturas/", f.reading(",\"valor\":-1e999")), 422,
                       "validation_failed", "valor") == "");
  for (const char* sid : {"1e999", "9223372036854775808", "-1", "0", "-9223372036854775809"}) {
    INFO("sensor_id " << sid);
    CHECK(error_mismatch(
              f.h.post("/api/v1/lecturas/", std::string("{\"sensor_id\":") + sid + ",\"valor\":1}"),
              422, "validation_failed", "sensor_id") == "");
  }
  // Large but finite is fine.
  CHECK(f.h.post("/api/v1/lecturas/", f.reading(",\"valor\":1.7976931348623157e308")).status ==
        201);
  CHECK(f.h.post("/api/v1/lecturas/", f.reading(",\"valor\":-5e-324")).status == 201);
  CHECK(f.new_readings() == 2);
}

TEST_CASE("a reading for a missing sensor is 422") {
  fixture f;
  CHECK(error_mismatch(f.h.post("/api/v1/lecturas/", R"({"sensor_id":987654321,"valor":1})"), 422,
                       "validation_failed", "sensor_id") == "");
  CHECK(error_mismatch(
            f.h.post("/api/v1/lecturas/", R"({"sensor_id":9223372036854775807,"valor":1})"), 422,
            "validation_failed", "sensor_id") == "");
  CHECK(f.new_readings() == 0);
}

TEST_CASE("bad ids in the path are 400 invalid_parameter or 404 never 500") {
  fixture f;
  const std::vector<std::pair<int, std::string>> allowed = {{400, "invalid_parameter"},
                                                            {404, "not_found"}};
  for (const char* id : {"abc", "0", "-1", "99999999999999999999", "9223372036854775808", "1.5",
                         "%20", "1abc", "0x10", "+1", "%00", "1%2F2"}) {
    for (const char* base : {"/api/v1/sensores/", "/api/v1/lecturas/", "/api/v1/test-sensors/"}) {
      const std::string path = base + std::string(id);
      INFO(path);
      CHECK(error_mismatch_any(f.h.get(path), allowed) == "");
      CHECK(error_mismatch_any(f.h.put(path, R"({"modelo":"x"})"), allowed) == "");
      CHECK(error_mismatch_any(f.h.patch(path, R"({"modelo":"x"})"), allowed) == "");
      CHECK(error_mismatch_any(f.h.del(path), allowed) == "");
    }
    const std::string sub = "/api/v1/sensores/" + std::string(id) + "/lecturas";
    INFO(sub);
    CHECK(error_mismatch_any(f.h.get(sub), allowed) == "");
  }
  // In range but unknown: 404.
  CHECK(error_mismatch(f.h.get("/api/v1/sensores/9223372036854775807"), 404, "not_found") == "");
  CHECK(error_mismatch(f.h.get("/api/v1/lecturas/9223372036854775807"), 404, "not_found") == "");
  CHECK(error_mismatch(f.h.del("/api/v1/lecturas/123456"), 404, "not_found") == "");
  CHECK(f.new_sensors() == 0);
}

TEST_CASE("unknown routes are 404 not_found") {
  fixture f;
  for (const char* path : {"/api/v1/nope", "/api/v2/sensores/", "/nope", "/api/v1/sensores/1/nope",
                           "/api/v1", "/api/v1/ws/stats/sensors/extra", "/healthz/x",
                           "/api/v1/lecturas/1/2", "/api/v1/sensoresX/"}) {
    INFO(path);
    CHECK(error_mismatch(f.h.get(path), 404, "not_found") == "");
  }
  CHECK(error_mismatch(f.h.post("/api/v1/nope", "{}"), 404, "not_found") == "");
  CHECK(error_mismatch(f.h.del("/api/v1/nope/1"), 404, "not_found") == "");
}

TEST_CASE("wrong methods are 405 method_not_allowed") {
  fixture f;
  struct call {
    const char* method;
    std::string path;
  };
  const std::vector<call> calls = {
      {"DELETE", "/api/v1/sensores/"},
      {"PUT", "/api/v1/sensores/"},
      {"PATCH", "/api/v1/sensores/"},
      {"POST", f.sensor_path},
      {"POST", "/healthz"},
      {"DELETE", "/healthz"},
      {"DELETE", "/api/v1/lecturas/"},
      {"PUT", "/api/v1/lecturas/"},
      {"GET", "/api/v1/lecturas/batch"},
      {"DELETE", "/api/v1/lecturas/batch"},
      {"POST", "/api/v1/ws/stats"},
      {"DELETE", "/api/v1/ws/stats/sensors"},
      {"GET", "/api/v1/ws/test-event"},
      {"POST", f.sensor_path + "/lecturas"},
      {"DELETE", "/api/v1/test-sensors/"},
      {"POST", "/metrics"},
  };
  for (const auto& c : calls) {
    const bool has_body = std::string(c.method) != "GET" && std::string(c.method) != "DELETE";
    const http_response r =
        f.h.request(c.method, c.path, has_body ? std::optional<std::string>("{}") : std::nullopt);
    INFO(c.method << " " << c.path);
    CHECK(error_mismatch(r, 405, "method_not_allowed") == "");
    WARN_MESSAGE(!r.header("allow").empty(), "405 without an Allow header (RFC 9110)");
  }
  const http_response brew =
      f.h.raw("BREW /api/v1/sensores/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK((brew.status == 405 || brew.status == 400 || brew.status == 501));
  CHECK(f.new_sensors() == 0);
}

TEST_CASE("a body over 1 MiB is 413 payload_too_large") {
  fixture f;
  const std::size_t mib = 1024 * 1024;
  auto body_of_size = [](std::size_t n) {
    const std::string head = "{\"tipo\":\"";
    const std::string tail = "\",\"modelo\":\"m\"}";
    return head + std::string(n - head.size() - tail.size(), 'a') + tail;
  };
  CHECK(error_mismatch(f.h.post("/api/v1/sensores/", body_of_size(mib + 1)), 413,
                       "payload_too_large") == "");
  CHECK(error_mismatch(f.h.put(f.sensor_path, body_of_size(mib + 1)), 413, "payload_too_large") ==
        "");
  CHECK(error_mismatch(f.h.post("/api/v1/sensores/", body_of_size(8 * mib)), 413,
                       "payload_too_large") == "");
  // At the limit the body is read and validated (tipo too long).
  CHECK(error_mismatch(f.h.post("/api/v1/sensores/", body_of_size(mib)), 422, "validation_failed",
                       "tipo") == "");
  // A huge declared length is refused without waiting for the body.
  const http_response r = f.h.raw(
      "POST /api/v1/sensores/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 104857600\r\n\r\n{\"tipo\":");
  CHECK(error_mismatch(r, 413, "payload_too_large") == "");
  CHECK(f.new_sensors() == 0);
}

TEST_CASE("a body without Content-Length is 411 length_required") {
  fixture f;
  for (const char* method : {"POST", "PUT", "PATCH"}) {
    const std::string path = std::string(method) == "POST" ? "/api/v1/sensores/" : f.sensor_path;
    const http_response r = f.h.raw(
        std::string(method) + " " + path +
        " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n");
    INFO(method);
    CHECK(error_mismatch(r, 411, "length_required") == "");
  }
  CHECK(error_mismatch(f.h.raw("POST /api/v1/lecturas/batch HTTP/1.1\r\nHost: x\r\n"
                               "Content-Type: application/json\r\nConnection: close\r\n\r\n"),
                       411, "length_required") == "");
  CHECK(f.new_sensors() == 0);
}

TEST_CASE("a chunked body is decoded (SPEC 9) and a smuggling shape is refused") {
  fixture f;
  const std::string body = R"({"tipo":"t","modelo":"chunked"})";
  char size_hex[16];
  std::snprintf(size_hex, sizeof size_hex, "%zx", body.size() - 5);
  // Two chunks: the body split in two.
  const http_response r = f.h.raw(
      "POST /api/v1/sensores/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
      std::string(size_hex) + "\r\n" + body.substr(0, body.size() - 5) + "\r\n5\r\n" +
      body.substr(body.size() - 5) + "\r\n0\r\n\r\n");
  INFO(r.status << " " << r.body);
  CHECK(r.status == 201);
  CHECK(r.json()["modelo"].str() == "chunked");
  CHECK(f.new_sensors() == 1);
  // Both Content-Length and chunked (request smuggling shape): 400, nothing written.
  const http_response both = f.h.raw(
      "POST /api/v1/sensores/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n" +
      body);
  CHECK(both.status == 400);
  CHECK(f.new_sensors() == 1);
}

TEST_CASE("a missing or non-JSON content type is 415 unsupported_media_type") {
  fixture f;
  const std::string body = R"({"tipo":"t","modelo":"m"})";
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                           "application/jsonx", "text/json"}) {
    INFO(type);
    CHECK(error_mismatch(f.h.request("POST", "/api/v1/sensores/", body, {{"Content-Type", type}}),
                         415, "unsupported_media_type") == "");
  }
  CHECK(error_mismatch(f.h.request("PUT", f.sensor_path, body, {{"Content-Type", "text/plain"}}),
                       415, "unsupported_media_type") == "");
  const http_response missing = f.h.raw(
      "POST /api/v1/sensores/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body);
  CHECK(error_mismatch(missing, 415, "unsupported_media_type") == "");
  CHECK(f.new_sensors() == 0);
  // Parameters are fine.
  CHECK(f.h.request("POST", "/api/v1/sensores/", body,
                    {{"Content-Type", "application/json; charset=utf-8"}})
            .status == 201);
  const http_response upper =
      f.h.request("POST", "/api/v1/sensores/", body, {{"Content-Type", "Application/JSON"}});
  WARN_MESSAGE(upper.status == 201,
               "media types are case-insensitive (RFC 9110), got " << upper.status);
}

TEST_CASE("bad query parameters: 400 invalid_parameter limit above max 422") {
  fixture f;
  const std::string sub = f.sensor_path + "/lecturas";
  for (const std::string& base :
       std::vector<std::string>{"/api/v1/sensores/", "/api/v1/lecturas/", sub}) {
    INFO(base);
    CHECK(error_mismatch(f.h.get(base + "?limit=abc"), 400, "invalid_parameter") == "");
    CHECK(error_mismatch(f.h.get(base + "?limit=1.5"), 400, "invalid_parameter") == "");
    CHECK(error_mismatch(f.h.get(base + "?limit="), 400, "invalid_parameter") == "");
    CHECK(error_mismatch_any(f.h.get(base + "?limit=99999999999999999999999"),
                             {{400, "invalid_parameter"}, {422, "validation_failed"}}) == "");
    CHECK(error_mismatch(f.h.get(base + "?limit=5000"), 422, "validation_failed") == "");
    CHECK(error_mismatch(f.h.get(base + "?limit=1001"), 422, "validation_failed") == "");
    CHECK(error_mismatch_any(f.h.get(base + "?limit=-1"),
                             {{400, "invalid_parameter"}, {422, "validation_failed"}}) == "");
    CHECK(error_mismatch_any(f.h.get(base + "?offset=-1"),
                             {{400, "invalid_parameter"}, {422, "validation_failed"}}) == "");
    if (base != "/api/v1/sensores/") {
      CHECK(error_mismatch(f.h.get(base + "?since=notatime"), 400, "invalid_parameter") == "");
      CHECK(error_mismatch(f.h.get(base + "?until=2025-02-30T00:00:00Z"), 400,
                           "invalid_parameter") == "");
      CHECK(error_mismatch(f.h.get(base + "?since=%ZZ"), 400, "invalid_parameter") == "");
    }
  }
  CHECK(error_mismatch(f.h.get("/api/v1/sensores/?offset=abc"), 400, "invalid_parameter") == "");
  CHECK(error_mismatch(f.h.get("/api/v1/lecturas/?sensor_id=abc"), 400, "invalid_parameter") == "");
  CHECK(error_mismatch(f.h.get("/api/v1/sensores/?tipo=%ff"), 400, "invalid_parameter") == "");
}

TEST_CASE("garbage requests never crash the daemon") {
  fixture f;
  auto raw_ok = [&](const std::string& bytes) {
    try {
      const http_response r = f.h.raw(bytes);
      return r.status;
    } catch (const std::exception&) {
      return 0;  // connection closed without an answer: acceptable here
    }
  };
  for (const std::string& bytes : std::vector<std::string>{
           std::string("GARBAGE\r\n\r\n"),
           std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n"),
           std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11) + std::string(200, '\0'),
           std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ") +
               std::string(256 * 1024, 'a') + "\r\n\r\n",
           "GET /" + std::string(100 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n",
           std::string(
               "POST /api/v1/sensores/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: -5\r\n\r\n"),
           std::string(
               "POST /api/v1/sensores/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
               "Content-Length: abc\r\n\r\n")}) {
    const int status = raw_ok(bytes);
    INFO(bytes.substr(0, 60) << " -> " << status);
    CHECK(status / 100 != 2);
    CHECK((status < 500 || status == 505));
    CHECK(f.d.running());
  }
  const int v99 = raw_ok("GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n");
  WARN_MESSAGE((v99 == 505 || v99 == 400),
               "HTTP/9.9 request answered " << v99 << " (RFC 9110: 505)");
  const int v10 = raw_ok("GET /healthz HTTP/1.0\r\n\r\n");
  WARN_MESSAGE(v10 == 200,
               "HTTP/1.0 request without Host answered " << v10 << " (Host is optional in 1.0)");
  const http_response head = f.h.request("HEAD", "/healthz");
  WARN_MESSAGE(head.status == 200,
               "HEAD /healthz answered " << head.status << " (RFC 9110 9.1: GET and HEAD)");
  // A client that sends half a request and goes away.
  {
    tcp_socket s = tcp_socket::connect(f.d.host(), f.d.port());
    s.send_all(
        "POST /api/v1/sensores/ HTTP/1.1\r\nContent-Length: 100\r\nContent-Type: "
        "application/json\r\n\r\n{\"ti");
  }
  CHECK(f.new_sensors() == 0);
}

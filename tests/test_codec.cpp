// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "json/json_reader.hpp"
#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/validation.hpp"
#include "support/json_dom.hpp"

using namespace sensorhub;
using sensorhub::testing::dom;
using sensorhub::testing::keys;
using sensorhub::testing::str;
using sensorhub::testing::strings;

namespace {

timestamp t(const char* text) {
  auto v = parse_time(text);
  REQUIRE(v);
  return *v;
}

sensor sample_sensor() {
  sensor s;
  s.id = 123;
  s.tipo = "temperatura";
  s.modelo = "DHT22";
  s.ubicacion = std::nullopt;
  s.activo = true;
  s.created_at = t("2025-07-20T05:34:11.378577+00:00");
  s.updated_at = t("2025-07-20T05:35:02.000001+00:00");
  return s;
}

reading sample_reading() {
  reading l;
  l.id = 7;
  l.sensor_id = 123;
  l.valor = 21.5;
  l.unidad = "C";
  l.timestamp = t("2025-07-20T05:35:00.250000Z");
  l.created_at = t("2025-07-20T05:35:01.000000Z");
  l.updated_at = t("2025-07-20T05:35:02.000000Z");
  return l;
}

const std::vector<std::string> sensor_keys = {"id",     "tipo",       "modelo",    "ubicacion",
                                              "activo", "created_at", "updated_at"};
const std::vector<std::string> reading_keys = {"id",        "sensor_id",  "valor",     "unidad",
                                               "timestamp", "created_at", "updated_at"};
const std::vector<std::string> event_keys = {"type",        "seq",        "channel",
                                             "entity_type", "event_type", "entity_id",
                                             "data",        "timestamp",  "metadata"};

void check_sample_sensor(const rapidjson::Value& d) {
  CHECK(d["id"].GetInt64() == 123);
  CHECK(str(d["tipo"]) == "temperatura");
  CHECK(str(d["modelo"]) == "DHT22");
  CHECK(d["ubicacion"].IsNull());
  CHECK(d["activo"].IsTrue());
  CHECK(str(d["created_at"]) == "2025-07-20T05:34:11.378577+00:00");
  CHECK(str(d["updated_at"]) == "2025-07-20T05:35:02.000001+00:00");
}

// Field errors of a validation_error thrown by fn (fails if fn throws
// anything else or nothing).
template <typename Fn>
field_errors fields_of(Fn fn) {
  try {
    fn();
  } catch (const validation_error& e) {
    CHECK(e.code() == errc::validation_failed);
    return e.fields();
  } catch (const error& e) {
    FAIL("unexpected error code ", std::string(error_code_name(e.code())), ": ",
         std::string(e.what()));
  }
  FAIL("no validation_error thrown");
  return {};
}

template <typename Fn>
errc code_of(Fn fn) {
  try {
    fn();
  } catch (const error& e) {
    return e.code();
  }
  FAIL("nothing thrown");
  return errc::internal;
}

// The entity JSON minus the fields a client may not send.
std::string without_read_only(const std::string& json) {
  auto v = detail::parse_json(json);
  auto& m = v.members;
  for (auto it = m.begin(); it != m.end();) {
    it = (it->first == "id" || it->first == "created_at" || it->first == "updated_at") ? m.erase(it)
                                                                                       : it + 1;
  }
  std::string out;
  detail::write_json(out, v);
  return out;
}

}  // namespace

// ---- entities -------------------------------------------------------------

TEST_CASE("to_json(sensor) writes exactly the SPEC fields") {
  auto s = sample_sensor();
  const auto d = dom(to_json(s));
  CHECK(keys(d) == sensor_keys);
  check_sample_sensor(d);

  s.ubicacion = "Sala \"A\"\n\\ñ";
  s.activo = false;
  const auto d2 = dom(to_json(s));
  CHECK(str(d2["ubicacion"]) == "Sala \"A\"\n\\ñ");
  CHECK(d2["activo"].IsFalse());
}

TEST_CASE("to_json(lectura) writes exactly the SPEC fields") {
  const auto d = dom(to_json(sample_reading()));
  CHECK(keys(d) == reading_keys);
  CHECK(d["id"].GetInt64() == 7);
  CHECK(d["sensor_id"].GetInt64() == 123);
  CHECK(d["valor"].IsDouble());
  CHECK(d["valor"].GetDouble() == 21.5);
  CHECK(str(d["unidad"]) == "C");
  CHECK(str(d["timestamp"]) == "2025-07-20T05:35:00.250000+00:00");
  CHECK(str(d["created_at"]) == "2025-07-20T05:35:01.000000+00:00");
  CHECK(str(d["updated_at"]) == "2025-07-20T05:35:02.000000+00:00");

  auto l = sample_reading();
  l.unidad = std::nullopt;
  CHECK(dom(to_json(l))["unidad"].IsNull());
}

TEST_CASE("doubles round-trip exactly and integral values stay floating point") {
  const double values[] = {21.0,
                           0.0,
                           -0.0,
                           0.1,
                           -273.15,
                           1e21,
                           1e-7,
                           123456789.125,
                           std::numeric_limits<double>::max(),
                           std::numeric_limits<double>::min(),
                           std::numeric_limits<double>::denorm_min(),
                           std::numeric_limits<double>::lowest(),
                           1.0 / 3.0};
  for (double v : values) {
    auto l = sample_reading();
    l.valor = v;
    const std::string json = to_json(l);
    INFO(json);
    const auto d = dom(json);
    REQUIRE(d["valor"].IsNumber());
    CHECK(d["valor"].IsDouble());
    CHECK(d["valor"].GetDouble() == v);
    CHECK(std::signbit(d["valor"].GetDouble()) == std::signbit(v));
    // And back through our own parser.
    const auto p = parse_reading_patch(without_read_only(json));
    REQUIRE(p.valor);
    CHECK(*p.valor == v);
    CHECK(std::signbit(*p.valor) == std::signbit(v));
  }
  auto l = sample_reading();
  l.valor = 21.0;
  CHECK(to_json(l).find("\"valor\":21.0,") != std::string::npos);
}

TEST_CASE("lists and batch result") {
  CHECK(to_json(std::vector<sensor>{}) == "[]");
  CHECK(to_json(std::vector<reading>{}) == "[]");
  auto s2 = sample_sensor();
  s2.id = 124;
  const auto d = dom(to_json(std::vector<sensor>{sample_sensor(), s2}));
  REQUIRE(d.IsArray());
  REQUIRE(d.Size() == 2);
  check_sample_sensor(d[0]);
  CHECK(d[1]["id"].GetInt64() == 124);
  const auto dl = dom(to_json(std::vector<reading>{sample_reading()}));
  REQUIRE(dl.Size() == 1);
  CHECK(keys(dl[0]) == reading_keys);

  const auto b = dom(to_json(batch_result{3, 10, 12}));
  CHECK(keys(b) == std::vector<std::string>{"created", "first_id", "last_id"});
  CHECK(b["created"].GetUint64() == 3);
  CHECK(b["first_id"].GetInt64() == 10);
  CHECK(b["last_id"].GetInt64() == 12);
}

// ---- events (SPEC §3) ----------------------------------------------------------

TEST_CASE("sensor updated event matches the SPEC example") {
  entity_change c;
  c.type = event_type::updated;
  c.data = sample_sensor();
  c.updated_fields = {"modelo"};
  const auto at = t("2025-07-20T05:35:02.000120+00:00");
  const std::string json = encode_entity_event(42, at, c);
  const auto d = dom(json);
  CHECK(keys(d) == event_keys);
  CHECK(str(d["type"]) == "entity_event");
  CHECK(d["seq"].GetUint64() == 42);
  CHECK(str(d["channel"]) == "sensors");
  CHECK(str(d["entity_type"]) == "sensor");
  CHECK(str(d["event_type"]) == "updated");
  CHECK(d["entity_id"].GetInt64() == 123);
  std::vector<std::string> data_keys = sensor_keys;
  data_keys.emplace_back("updated_fields");
  CHECK(keys(d["data"]) == data_keys);
  check_sample_sensor(d["data"]);
  CHECK(strings(d["data"]["updated_fields"]) == std::vector<std::string>{"modelo"});
  CHECK(str(d["timestamp"]) == "2025-07-20T05:35:02.000120+00:00");
  CHECK(keys(d["metadata"]) == std::vector<std::string>{"action", "fields_updated"});
  CHECK(str(d["metadata"]["action"]) == "update_sensor");
  CHECK(strings(d["metadata"]["fields_updated"]) == std::vector<std::string>{"modelo"});

  // The compact text itself, byte for byte.
  CHECK(json == R"({"type":"entity_event","seq":42,"channel":"sensors","entity_type":"sensor",)"
                R"("event_type":"updated","entity_id":123,"data":{"id":123,"tipo":"temperatura",)"
                R"("modelo":"DHT22","ubicacion":null,"activo":true,)"
                R"("created_at":"2025-07-20T05:34:11.378577+00:00",)"
                R"("updated_at":"2025-07-20T05:35:02.000001+00:00","updated_fields":["modelo"]},)"
                R"("timestamp":"2025-07-20T05:35:02.000120+00:00",)"
                R"("metadata":{"action":"update_sensor","fields_updated":["modelo"]}})");
}

TEST_CASE("sensor created event has no updated_fields and no readings_deleted") {
  entity_change c;
  c.type = event_type::created;
  c.data = sample_sensor();
  const auto d = dom(encode_entity_event(1, t("2025-07-20T05:34:11.378577Z"), c));
  CHECK(keys(d) == event_keys);
  CHECK(str(d["event_type"]) == "created");
  CHECK(keys(d["data"]) == sensor_keys);
  check_sample_sensor(d["data"]);
  CHECK(keys(d["metadata"]) == std::vector<std::string>{"action"});
  CHECK(str(d["metadata"]["action"]) == "create_sensor");
}

TEST_CASE("sensor deleted event always carries readings_deleted") {
  for (std::int64_t n : {0, 5}) {
    entity_change c;
    c.type = event_type::deleted;
    c.data = sample_sensor();
    c.readings_deleted = n;
    const auto d = dom(encode_entity_event(9, t("2025-07-20T06:00:00Z"), c));
    CHECK(keys(d) == event_keys);
    CHECK(str(d["event_type"]) == "deleted");
    CHECK(keys(d["data"]) == sensor_keys);
    check_sample_sensor(d["data"]);
    CHECK(keys(d["metadata"]) == std::vector<std::string>{"action", "readings_deleted"});
    CHECK(str(d["metadata"]["action"]) == "delete_sensor");
    CHECK(d["metadata"]["readings_deleted"].GetInt64() == n);
  }
  // Unset counts as 0: the key is never missing.
  entity_change c;
  c.type = event_type::deleted;
  c.data = sample_sensor();
  const auto d = dom(encode_entity_event(9, t("2025-07-20T06:00:00Z"), c));
  CHECK(d["metadata"]["readings_deleted"].GetInt64() == 0);
}

TEST_CASE("lectura events") {
  struct expect {
    event_type type;
    const char* name;
    const char* action;
  };
  for (const auto& x : {expect{event_type::created, "created", "create_lectura"},
                        expect{event_type::updated, "updated", "update_lectura"},
                        expect{event_type::deleted, "deleted", "delete_lectura"}}) {
    entity_change c;
    c.type = x.type;
    c.data = sample_reading();
    c.tipo = "temperatura";
    if (x.type == event_type::updated) c.updated_fields = {"valor", "unidad"};
    const auto d = dom(encode_entity_event(100, t("2025-07-20T06:00:00Z"), c));
    CHECK(keys(d) == event_keys);
    CHECK(str(d["type"]) == "entity_event");
    CHECK(d["seq"].GetUint64() == 100);
    CHECK(str(d["channel"]) == "readings");
    CHECK(str(d["entity_type"]) == "lectura");
    CHECK(str(d["event_type"]) == x.name);
    CHECK(d["entity_id"].GetInt64() == 7);
    CHECK(str(d["timestamp"]) == "2025-07-20T06:00:00.000000+00:00");
    CHECK(str(d["metadata"]["action"]) == x.action);
    CHECK(d["data"]["valor"].GetDouble() == 21.5);
    CHECK(d["data"]["sensor_id"].GetInt64() == 123);
    if (x.type == event_type::updated) {
      auto dk = reading_keys;
      dk.emplace_back("updated_fields");
      CHECK(keys(d["data"]) == dk);
      CHECK(strings(d["data"]["updated_fields"]) == std::vector<std::string>{"valor", "unidad"});
      CHECK(keys(d["metadata"]) == std::vector<std::string>{"action", "fields_updated"});
      CHECK(strings(d["metadata"]["fields_updated"]) ==
            std::vector<std::string>{"valor", "unidad"});
    } else {
      CHECK(keys(d["data"]) == reading_keys);
      CHECK(keys(d["metadata"]) == std::vector<std::string>{"action"});
    }
  }
}

TEST_CASE("system and test events") {
  const auto at = t("2025-07-20T05:00:00.000001Z");
  const auto d =
      dom(encode_system_event(5, at, system_change{"server_started", R"({"version":"0.1.0"})"}));
  CHECK(keys(d) == std::vector<std::string>{"type", "event", "seq", "data", "timestamp"});
  CHECK(str(d["type"]) == "system_event");
  CHECK(str(d["event"]) == "server_started");
  CHECK(d["seq"].GetUint64() == 5);
  CHECK(keys(d["data"]) == std::vector<std::string>{"version"});
  CHECK(str(d["data"]["version"]) == "0.1.0");
  CHECK(str(d["timestamp"]) == "2025-07-20T05:00:00.000001+00:00");
  // Default data is an empty object.
  const auto d0 = dom(encode_system_event(6, at, system_change{"server_stopping"}));
  CHECK(d0["data"].IsObject());
  CHECK(d0["data"].MemberCount() == 0);

  const auto te = dom(encode_test_event("sensors", "hola \"mundo\"", R"({"x":[1,2]})", at));
  CHECK(keys(te) == std::vector<std::string>{"type", "channel", "message", "data", "timestamp"});
  CHECK(str(te["type"]) == "test_event");
  CHECK(str(te["channel"]) == "sensors");
  CHECK(str(te["message"]) == "hola \"mundo\"");
  CHECK(te["data"]["x"].Size() == 2);
  CHECK(str(te["timestamp"]) == "2025-07-20T05:00:00.000001+00:00");
}

TEST_CASE("make_entity_event fills the filter keys") {
  const auto at = t("2025-07-20T06:00:00Z");
  entity_change cs;
  cs.type = event_type::updated;
  cs.data = sample_sensor();
  cs.updated_fields = {"modelo"};
  const event es = make_entity_event(42, at, cs);
  CHECK(es.seq == 42);
  CHECK(es.chan == channel::sensors);
  CHECK(es.kind == event_kind::entity);
  CHECK(es.entity == entity_kind::sensor);
  CHECK(es.type == event_type::updated);
  CHECK(es.entity_id == 123);
  CHECK(es.sensor_id == 123);
  CHECK(es.tipo == "temperatura");
  REQUIRE(static_cast<bool>(es.json));
  CHECK(*es.json == encode_entity_event(42, at, cs));

  entity_change cl;
  cl.type = event_type::deleted;
  cl.data = sample_reading();
  cl.tipo = "humedad";
  const event el = make_entity_event(43, at, cl);
  CHECK(el.chan == channel::readings);
  CHECK(el.kind == event_kind::entity);
  CHECK(el.entity == entity_kind::reading);
  CHECK(el.type == event_type::deleted);
  CHECK(el.entity_id == 7);
  CHECK(el.sensor_id == 123);
  CHECK(el.tipo == "humedad");
  REQUIRE(static_cast<bool>(el.json));
  CHECK(*el.json == encode_entity_event(43, at, cl));

  const event sys = make_system_event(44, at, system_change{"server_started"});
  CHECK(sys.seq == 44);
  CHECK(sys.chan == channel::general);
  CHECK(sys.kind == event_kind::system);
  CHECK(sys.entity == entity_kind::none);
  CHECK(sys.name == "server_started");
  REQUIRE(static_cast<bool>(sys.json));
  CHECK(str(dom(*sys.json)["event"]) == "server_started");

  const event te = make_test_event(channel::readings, "m", "{}", at);
  CHECK(te.seq == 0);
  CHECK(te.chan == channel::readings);
  CHECK(te.kind == event_kind::test);
  REQUIRE(static_cast<bool>(te.json));
  const auto td = dom(*te.json);
  CHECK(str(td["channel"]) == "readings");
  CHECK(str(td["message"]) == "m");
}

TEST_CASE("quote_json escapes and always yields valid JSON") {
  CHECK(quote_json("abc") == "\"abc\"");
  CHECK(quote_json("a\"b\\c") == R"("a\"b\\c")");
  CHECK(quote_json("\n\t\r\b\f") == R"("\n\t\r\b\f")");
  CHECK(quote_json(std::string_view("\x01\x1f\0", 3)) == R"("\u0001\u001f\u0000")");
  CHECK(quote_json("ñ€😀") == "\"ñ€😀\"");
  CHECK(quote_json("/") == "\"/\"");
  // Invalid UTF-8 becomes U+FFFD instead of corrupting the document.
  CHECK(quote_json("a\xff"
                   "b") ==
        "\"a\xEF\xBF\xBD"
        "b\"");
  CHECK(quote_json("\xED\xA0\x80") == "\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
  const auto d = dom("[" + quote_json("x\xc3") + "]");
  CHECK(d.IsArray());
}

// ---- parsing patches ------------------------------------------------------------

TEST_CASE("parse_sensor_patch reads every field") {
  const auto p = parse_sensor_patch(
      R"({"tipo":"temperatura","modelo":"DHT22","ubicacion":"Sala 1","activo":false})");
  CHECK(p.tipo == "temperatura");
  CHECK(p.modelo == "DHT22");
  REQUIRE(p.ubicacion);
  CHECK(*p.ubicacion == "Sala 1");
  CHECK(p.activo == false);

  const auto n = parse_sensor_patch(R"({"ubicacion":null})");
  CHECK_FALSE(n.tipo);
  CHECK_FALSE(n.modelo);
  CHECK_FALSE(n.activo);
  REQUIRE(n.ubicacion);       // present
  CHECK_FALSE(*n.ubicacion);  // explicit null

  const auto e = parse_sensor_patch("  {}  ");
  CHECK_FALSE(e.tipo);
  CHECK_FALSE(e.ubicacion);
}

TEST_CASE("parse_lectura_patch reads every field") {
  const auto p = parse_reading_patch(
      R"({"sensor_id":123,"valor":-21.5e1,"unidad":"°C","timestamp":"2025-07-20T11:04:11.378577+05:30"})");
  CHECK(p.sensor_id == 123);
  CHECK(p.valor == -215.0);
  REQUIRE(p.unidad);
  CHECK(*p.unidad == "°C");
  REQUIRE(p.timestamp);
  CHECK(format_time(*p.timestamp) == "2025-07-20T05:34:11.378577+00:00");

  const auto n = parse_reading_patch(R"({"unidad":null,"valor":7})");
  REQUIRE(n.unidad);
  CHECK_FALSE(*n.unidad);
  CHECK(n.valor == 7.0);
}

TEST_CASE("encode -> parse round trip") {
  auto s = sample_sensor();
  s.ubicacion = "Invernadero \"norte\" \\ \t ñ 😀";
  s.activo = false;
  const auto sp = parse_sensor_patch(without_read_only(to_json(s)));
  CHECK(sp.tipo == s.tipo);
  CHECK(sp.modelo == s.modelo);
  REQUIRE(sp.ubicacion);
  CHECK(*sp.ubicacion == s.ubicacion);
  CHECK(sp.activo == false);
  s.ubicacion = std::nullopt;
  const auto sn = parse_sensor_patch(without_read_only(to_json(s)));
  REQUIRE(sn.ubicacion);
  CHECK_FALSE(*sn.ubicacion);

  auto l = sample_reading();
  l.valor = 0.1 + 0.2;
  const auto lp = parse_reading_patch(without_read_only(to_json(l)));
  CHECK(lp.sensor_id == l.sensor_id);
  CHECK(lp.valor == l.valor);
  REQUIRE(lp.unidad);
  CHECK(*lp.unidad == "C");
  CHECK(lp.timestamp == l.timestamp);
}

TEST_CASE("read-only and unknown fields are rejected") {
  auto f = fields_of([] { parse_sensor_patch(to_json(sample_sensor())); });
  CHECK(f == field_errors{{"id", "unknown field"},
                          {"created_at", "unknown field"},
                          {"updated_at", "unknown field"}});
  f = fields_of([] { parse_reading_patch(R"({"valor":1,"color":"red","id":4})"); });
  CHECK(f == field_errors{{"color", "unknown field"}, {"id", "unknown field"}});
  f = fields_of([] { parse_sensor_patch(R"({"Tipo":"x"})"); });  // case-sensitive
  CHECK(f == field_errors{{"Tipo", "unknown field"}});
}

TEST_CASE("wrong types are rejected without coercion, all errors at once") {
  auto f = fields_of(
      [] { parse_sensor_patch(R"({"tipo":1,"modelo":["x"],"ubicacion":false,"activo":1})"); });
  CHECK(f == field_errors{{"tipo", "must be a string"},
                          {"modelo", "must be a string"},
                          {"ubicacion", "must be a string or null"},
                          {"activo", "must be a boolean"}});
  f = fields_of([] { parse_sensor_patch(R"({"tipo":null,"modelo":null,"activo":null})"); });
  CHECK(f == field_errors{{"tipo", "must be a string"},
                          {"modelo", "must be a string"},
                          {"activo", "must be a boolean"}});
  f = fields_of([] { parse_sensor_patch(R"({"activo":"true"})"); });
  CHECK(f == field_errors{{"activo", "must be a boolean"}});
  f = fields_of([] { parse_sensor_patch(R"({"ubicacion":{}})"); });
  CHECK(f == field_errors{{"ubicacion", "must be a string or null"}});

  f = fields_of(
      [] { parse_reading_patch(R"({"sensor_id":"1","valor":"21.5","unidad":5,"timestamp":17})"); });
  CHECK(f == field_errors{{"sensor_id", "must be an integer"},
                          {"valor", "must be a number"},
                          {"unidad", "must be a string or null"},
                          {"timestamp", "must be a string"}});
  f = fields_of([] { parse_reading_patch(R"({"sensor_id":null,"valor":null,"timestamp":null})"); });
  CHECK(f == field_errors{{"sensor_id", "must be an integer"},
                          {"valor", "must be a number"},
                          {"timestamp", "must be a string"}});
  f = fields_of([] { parse_reading_patch(R"({"sensor_id":1.0})"); });
  CHECK(f == field_errors{{"sensor_id", "must be an integer"}});
  f = fields_of([] { parse_reading_patch(R"({"sensor_id":1e3})"); });
  CHECK(f == field_errors{{"sensor_id", "must be an integer"}});
  f = fields_of([] { parse_reading_patch(R"({"valor":true})"); });
  CHECK(f == field_errors{{"valor", "must be a number"}});
  f = fields_of([] { parse_reading_patch(R"({"timestamp":"2025-13-01T00:00:00Z"})"); });
  CHECK(f == field_errors{{"timestamp", "must be an RFC 3339 time"}});
  f = fields_of([] { parse_reading_patch(R"({"timestamp":"yesterday"})"); });
  CHECK(f == field_errors{{"timestamp", "must be an RFC 3339 time"}});
}

TEST_CASE("a body that is not an object is a validation error on body") {
  for (const char* body : {"[]", "[{}]", "1", "\"x\"", "null", "true"}) {
    INFO(std::string(body));
    CHECK(fields_of([&] { parse_sensor_patch(body); }) ==
          field_errors{{"body", "must be a JSON object"}});
    CHECK(fields_of([&] { parse_reading_patch(body); }) ==
          field_errors{{"body", "must be a JSON object"}});
  }
}

TEST_CASE("numbers out of range are validation errors on their field") {
  CHECK(fields_of([] { parse_reading_patch(R"({"valor":1e999})"); }) ==
        field_errors{{"valor", "out of range"}});
  CHECK(fields_of([] { parse_reading_patch(R"({"valor":-1e999})"); }) ==
        field_errors{{"valor", "out of range"}});
  CHECK(fields_of([] { parse_reading_patch(R"({"sensor_id":99999999999999999999})"); }) ==
        field_errors{{"sensor_id", "out of range"}});
  CHECK(fields_of([] { parse_reading_patch(R"({"sensor_id":-99999999999999999999})"); }) ==
        field_errors{{"sensor_id", "out of range"}});
  // The largest id still parses; negative and zero ids parse and fail validation.
  CHECK(parse_reading_patch(R"({"sensor_id":9223372036854775807})").sensor_id ==
        std::numeric_limits<std::int64_t>::max());
  const auto neg = parse_reading_patch(R"({"sensor_id":-5,"valor":1})");
  CHECK(neg.sensor_id == -5);
  CHECK(validate_reading_create(neg) == field_errors{{"sensor_id", "must be a positive integer"}});
  // Other numbers and strings that look like numbers survive next to a huge one.
  const auto mixed = fields_of([] {
    parse_reading_patch(
        R"({"unidad":"1e999 \"2\" -3","sensor_id":12,"valor":1E+400,"x":[0.5,-7e-2]})");
  });
  CHECK(mixed == field_errors{{"valor", "out of range"}, {"x", "unknown field"}});
  const auto v = detail::parse_json(R"({"s":"\\","a":[1e999,-0.25,"9e9999",2E308],"b":12})");
  REQUIRE(v.members.size() == 3);
  CHECK(v.members[0].second.text == "\\");
  const auto& a = v.members[1].second.items;
  REQUIRE(a.size() == 4);
  CHECK(a[0].text == "1e999");
  CHECK(a[1].text == "-0.25");
  CHECK(a[2].is_string());
  CHECK(a[2].text == "9e9999");
  CHECK(a[3].text == "2E308");
  CHECK(v.members[2].second.text == "12");
  // Malformed input stays malformed after a too-big number.
  CHECK(code_of([] { parse_reading_patch(R"({"valor":1e999,})"); }) == errc::invalid_json);
  CHECK(code_of([] { parse_reading_patch(R"({"valor":1e999 2})"); }) == errc::invalid_json);
  CHECK(code_of([] { parse_reading_patch(R"({"valor":1e9999e})"); }) == errc::invalid_json);
  // Two numbers glued together are not one number: no part of the run is
  // taken for a value ("1e991e9" once parsed as 1e0 carrying the text "991e9").
  CHECK(code_of([] { parse_reading_patch(R"({"valor":1e991e9})"); }) == errc::invalid_json);
  CHECK(code_of([] { detail::parse_json(R"([1e991e9])"); }) == errc::invalid_json);
  CHECK(code_of([] { detail::parse_json(R"([1e999,2.5.5])"); }) == errc::invalid_json);
  // A number of 10,000 digits is still just out of range, not a crash.
  const std::string huge = "{\"valor\":1" + std::string(10000, '0') + "}";
  CHECK(fields_of([&] { parse_reading_patch(huge); }) == field_errors{{"valor", "out of range"}});
}

TEST_CASE("malformed JSON is invalid_json") {
  const char* bad[] = {
      "",                       // empty body
      "   ",                    // whitespace only
      "{",                      // truncated
      R"({"tipo":"x",})",       // trailing comma
      R"({"tipo":"x"} x)",      // trailing garbage
      R"({"tipo":"x"}{})",      // two documents
      R"({'tipo':'x'})",        // single quotes
      R"({tipo:"x"})",          // bare key
      R"({"valor":NaN})",       // NaN literal
      R"({"valor":Infinity})",  // Infinity literal
      R"({"valor":-Infinity})",
      R"({"valor":01})",  // leading zero
      R"({"valor":.5})",
      R"({"valor":+1})",
      R"({"valor":0x10})",
      R"({"tipo":"a\qb"})",          // bad escape
      R"({"tipo":"\u12"})",          // short \u
      R"({"tipo":"\uDC00"})",        // lone low surrogate
      R"({"tipo":"\uD800"})",        // lone high surrogate
      R"({"tipo":"\uD800\u0041"})",  // high surrogate + non-surrogate
      R"({"tipo":"\uDBFF\uDBFF"})",
      R"({"\uDC00":"x"})",                // lone surrogate in a key
      "{\"tipo\":\"a\nb\"}",              // raw control character
      "{\"tipo\":\"\xff\"}",              // invalid UTF-8 byte
      "{\"tipo\":\"\xc3\"}",              // truncated sequence
      "{\"tipo\":\"\xc0\xaf\"}",          // overlong
      "{\"tipo\":\"\xed\xa0\x80\"}",      // encoded surrogate (CESU-8)
      "{\"tipo\":\"\xf4\x90\x80\x80\"}",  // above U+10FFFF
      "{\"\xff\":1}",                     // invalid UTF-8 in a key
      R"({"tipo":"a","tipo":"b"})",       // duplicate key
      R"({"valor":1,"unidad":null,"valor":2})",
  };
  for (const char* body : bad) {
    INFO("body: ", std::string(body));
    CHECK(code_of([&] { parse_sensor_patch(body); }) == errc::invalid_json);
    CHECK(code_of([&] { parse_reading_patch(body); }) == errc::invalid_json);
    CHECK(code_of([&] { parse_reading_batch(body); }) == errc::invalid_json);
  }
  // Duplicate keys in a nested object too.
  CHECK(code_of([] { parse_reading_batch(R"([{"valor":1,"valor":1}])"); }) == errc::invalid_json);
  // A NUL byte anywhere, even after a complete document.
  CHECK(code_of([] { parse_sensor_patch(std::string_view("{}\0{", 4)); }) == errc::invalid_json);
  CHECK(code_of([] { parse_sensor_patch(std::string_view("{\"tipo\":\"a\0b\"}", 14)); }) ==
        errc::invalid_json);
  // RFC 8259 lets a parser ignore a leading byte order mark; we do.
  CHECK_FALSE(parse_sensor_patch("\xef\xbb\xbf{}").tipo);
  CHECK(code_of([] { parse_sensor_patch("{}\xef\xbb\xbf"); }) == errc::invalid_json);
  // Escaped forms of the same characters are fine.
  const auto ok = parse_sensor_patch(R"({"tipo":"\u00f1\ud83d\ude00\u0041\n","modelo":"\/"})");
  CHECK(ok.tipo == "ñ😀A\n");
  CHECK(ok.modelo == "/");
}

TEST_CASE("hostile nesting is rejected without recursion") {
  const std::string deep(100000, '[');
  CHECK(code_of([&] { parse_sensor_patch(deep); }) == errc::invalid_json);
  CHECK(code_of([&] { parse_reading_batch(deep); }) == errc::invalid_json);
  const std::string closed = std::string(100000, '[') + std::string(100000, ']');
  CHECK(code_of([&] { parse_sensor_patch(closed); }) == errc::invalid_json);
  std::string objs;
  for (int i = 0; i < 50000; ++i) objs += "{\"a\":";
  CHECK(code_of([&] { parse_sensor_patch(objs); }) == errc::invalid_json);
  try {
    parse_sensor_patch(deep);
  } catch (const error& e) {
    CHECK(std::string(e.what()).find("nesting too deep") != std::string::npos);
  }
  // Exactly the cap is fine (then a wrong type, not malformed); one more is not.
  auto nested = [](int depth) {
    const auto inner = static_cast<std::size_t>(depth - 1);
    return "{\"tipo\":" + std::string(inner, '[') + std::string(inner, ']') + "}";
  };
  CHECK(fields_of([&] { parse_sensor_patch(nested(json_max_depth)); }) ==
        field_errors{{"tipo", "must be a string"}});
  CHECK(code_of([&] { parse_sensor_patch(nested(json_max_depth + 1)); }) == errc::invalid_json);
}

TEST_CASE("a 10 MB string parses and is then rejected by the length rule") {
  const std::string big(10u << 20, 'a');
  const auto p = parse_sensor_patch("{\"tipo\":\"" + big + "\",\"modelo\":\"m\"}");
  REQUIRE(p.tipo);
  CHECK(p.tipo->size() == big.size());
  CHECK(validate_sensor_create(p) == field_errors{{"tipo", "must be 1..64 characters"}});
  // Multi-byte characters are counted as code points.
  std::string wide;
  for (int i = 0; i < 64; ++i) wide += "ñ";
  const auto q = parse_sensor_patch("{\"tipo\":\"" + wide + "\",\"modelo\":\"m\"}");
  CHECK(validate_sensor_create(q).empty());
}

TEST_CASE("parse_lectura_batch") {
  const auto items = parse_reading_batch(
      R"([{"sensor_id":1,"valor":1.5},{"sensor_id":2,"valor":-3,"unidad":null,"timestamp":"2025-07-20T05:34:11Z"}])");
  REQUIRE(items.size() == 2);
  CHECK(items[0].sensor_id == 1);
  CHECK(items[0].valor == 1.5);
  CHECK(items[1].sensor_id == 2);
  CHECK(items[1].valor == -3.0);
  REQUIRE(items[1].unidad);
  CHECK_FALSE(*items[1].unidad);
  CHECK(items[1].timestamp == parse_time("2025-07-20T05:34:11Z"));

  CHECK(fields_of([] { parse_reading_batch("[]"); }) ==
        field_errors{{"items", "must contain 1..10000 items"}});
  CHECK(fields_of([] { parse_reading_batch(R"({"sensor_id":1})"); }) ==
        field_errors{{"body", "must be a JSON array"}});
  CHECK(fields_of([] { parse_reading_batch(R"([{"sensor_id":1},{"valor":"x","foo":1},2])"); }) ==
        field_errors{{"[1].valor", "must be a number"},
                     {"[1].foo", "unknown field"},
                     {"[2]", "must be a JSON object"}});
  CHECK(fields_of([] { parse_reading_batch(R"([{"valor":1e999}])"); }) ==
        field_errors{{"[0].valor", "out of range"}});

  // max_items exactly, then one more.
  auto batch_of = [](std::size_t n) {
    std::string b = "[";
    for (std::size_t i = 0; i < n; ++i) {
      if (i) b += ",";
      b += R"({"sensor_id":1,"valor":2,"unidad":"C","timestamp":"2025-07-20T05:34:11Z"})";
    }
    return b + "]";
  };
  CHECK(parse_reading_batch(batch_of(3), 3).size() == 3);
  CHECK(fields_of([&] { parse_reading_batch(batch_of(4), 3); }) ==
        field_errors{{"items", "must contain 1..3 items"}});
  CHECK(parse_reading_batch(batch_of(max_batch_items)).size() == max_batch_items);
  CHECK(fields_of([&] { parse_reading_batch(batch_of(max_batch_items + 1)); }) ==
        field_errors{{"items", "must contain 1..10000 items"}});
  // Many tiny values are cut off early instead of building a huge tree.
  std::string zeros = "[0";
  for (int i = 0; i < 2000000; ++i) zeros += ",0";
  zeros += "]";
  CHECK(fields_of([&] { parse_reading_batch(zeros); }) ==
        field_errors{{"items", "must contain 1..10000 items"}});
}

TEST_CASE("a patch with far too many values is cut off") {
  std::string body = R"({"tipo":"t","x":[0)";
  for (int i = 0; i < 100000; ++i) body += ",0";
  body += "]}";
  CHECK(fields_of([&] { parse_sensor_patch(body); }) ==
        field_errors{{"body", "too many JSON values"}});
  // A thousand values in an unknown field are still just an unknown field.
  std::string some = R"({"tipo":"t","x":[0)";
  for (int i = 0; i < 1000; ++i) some += ",0";
  some += "]}";
  CHECK(fields_of([&] { parse_sensor_patch(some); }) == field_errors{{"x", "unknown field"}});
}

TEST_CASE("json_reader number helpers") {
  auto num = [](const char* text) { return detail::parse_json(text).items.at(0); };
  CHECK(detail::to_int64(num("[0]")) == 0);
  CHECK(detail::to_int64(num("[-0]")) == 0);
  CHECK(detail::to_int64(num("[-9223372036854775808]")) ==
        std::numeric_limits<std::int64_t>::min());
  CHECK_FALSE(detail::to_int64(num("[9223372036854775808]")));
  CHECK_FALSE(detail::to_int64(num("[1.5]")));
  CHECK_FALSE(detail::to_int64(num("[1E2]")));
  CHECK_FALSE(detail::to_int64(num("[\"1\"]")));
  CHECK(detail::to_double(num("[1E2]")) == 100.0);
  CHECK(detail::to_double(num("[4.9e-324]")) == std::numeric_limits<double>::denorm_min());
  CHECK_FALSE(detail::to_double(num("[1e999]")));
  CHECK_FALSE(detail::to_double(num("[1e-999]")));
  CHECK_FALSE(detail::to_double(num("[true]")));
}

TEST_CASE("json_reader keeps member order and re-serializes") {
  const auto v = detail::parse_json(R"( {"b":1, "a":[true,false,null,"x\"y"], "c":{"d":-1.5e3}} )");
  REQUIRE(v.is_object());
  REQUIRE(v.members.size() == 3);
  CHECK(v.members[0].first == "b");
  CHECK(v.members[1].first == "a");
  CHECK(v.members[2].first == "c");
  std::string out;
  detail::write_json(out, v);
  CHECK(out == R"({"b":1,"a":[true,false,null,"x\"y"],"c":{"d":-1.5e3}})");
}

TEST_CASE("parse_json_object: members in order, compact values, numbers as written") {
  const auto m = parse_json_object(
      R"({"s":"h\u00e9","n":1.50,"o":{"a":[1e999,0e999],"b":null},"t":true,"z":null})", 100);
  REQUIRE(m.size() == 5);
  CHECK(m[0].first == "s");
  CHECK(m[0].second.type == json_field::kind::string);
  CHECK(m[0].second.text == "h\xC3\xA9");
  CHECK(m[1].second.type == json_field::kind::number);
  CHECK(m[1].second.text == "1.50");
  CHECK(m[1].second.finite);
  CHECK(m[2].second.type == json_field::kind::object);
  CHECK(m[2].second.text == R"({"a":[1e999,0e999],"b":null})");
  CHECK_FALSE(m[2].second.finite);  // 1e999 inside; 0e999 alone is zero
  CHECK(m[3].second.type == json_field::kind::boolean);
  CHECK(m[3].second.text == "true");
  CHECK(m[4].second.type == json_field::kind::null);

  CHECK(fields_of([] { parse_json_object("[1]", 100); }) ==
        field_errors{{"body", "must be a JSON object"}});
  CHECK(fields_of([] { parse_json_object(R"({"a":[1,2,3]})", 3); }) ==
        field_errors{{"body", "too many JSON values"}});
  CHECK(code_of([] { parse_json_object(R"({"a":1,"a":2})", 100); }) == errc::invalid_json);
  CHECK(code_of([] { parse_json_object(R"({"a":1e991e9})", 100); }) == errc::invalid_json);
  CHECK(code_of([] { parse_json_object(std::string(100, '[') + std::string(100, ']'), 1000); }) ==
        errc::invalid_json);
}

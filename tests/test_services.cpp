// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <cmath>
#include <string>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/reading_service.hpp"
#include "sensorhub/sensor_service.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "support/json_dom.hpp"

using namespace sensorhub;
using sensorhub::testing::strings;

namespace {

// A repository in memory, the two services over it, and every event the
// commit hook saw.
struct fixture {
  sqlite_repository repo{[] {
    sqlite_options o;
    o.path = ":memory:";
    return o;
  }()};
  sensor_service sensors{repo};
  reading_service readings{repo};
  std::vector<event> events;

  fixture() {
    repo.set_commit_hook([this](const std::vector<event>& evs) {
      events.insert(events.end(), evs.begin(), evs.end());
    });
  }
};

sensor_patch sensor_body(const std::string& tipo, const std::string& modelo) {
  sensor_patch p;
  p.tipo = tipo;
  p.modelo = modelo;
  return p;
}

reading_patch reading_body(std::int64_t sensor_id, double valor) {
  reading_patch p;
  p.sensor_id = sensor_id;
  p.valor = valor;
  return p;
}

rapidjson::Document parse(const event& e) {
  REQUIRE(static_cast<bool>(e.json));
  return sensorhub::testing::dom_object(*e.json);
}

// Checks updated_fields (in data) and fields_updated (in metadata) of an
// "updated" event against `fields`, and the event's own list.
void check_updated(const event& e, const std::vector<std::string>& fields) {
  CHECK(e.type == event_type::updated);
  const rapidjson::Document d = parse(e);
  REQUIRE(d.HasMember("data"));
  REQUIRE(d["data"].HasMember("updated_fields"));
  CHECK(strings(d["data"]["updated_fields"]) == fields);
  REQUIRE(d.HasMember("metadata"));
  REQUIRE(d["metadata"].HasMember("fields_updated"));
  CHECK(strings(d["metadata"]["fields_updated"]) == fields);
}

template <class F>
field_errors validation_fields(F&& f) {
  try {
    f();
  } catch (const validation_error& e) {
    CHECK(e.code() == errc::validation_failed);
    return e.fields();
  }
  FAIL("expected a validation_error");
  return {};
}

template <class F>
std::string not_found_detail(F&& f) {
  try {
    f();
  } catch (const validation_error&) {
    FAIL("expected not_found, got a validation_error");
  } catch (const error& e) {
    CHECK(e.code() == errc::not_found);
    return e.what();
  }
  FAIL("expected an error");
  return {};
}

}  // namespace

TEST_CASE("sensor_service: create stores the sensor and emits one created event") {
  fixture f;
  const sensor s = f.sensors.create(sensor_body("temperatura", "DHT22"));
  CHECK(s.id > 0);
  CHECK(s.tipo == "temperatura");
  CHECK(s.modelo == "DHT22");
  CHECK_FALSE(s.ubicacion.has_value());
  CHECK(s.activo == true);
  CHECK(s.created_at == s.updated_at);

  auto stored = f.sensors.get(s.id);
  REQUIRE(stored.has_value());
  CHECK(stored->modelo == "DHT22");
  CHECK(stored->created_at == s.created_at);

  REQUIRE(f.events.size() == 1);
  const event& e = f.events[0];
  CHECK(e.seq == 1);
  CHECK(e.chan == channel::sensors);
  CHECK(e.type == event_type::created);
  CHECK(e.entity == entity_kind::sensor);
  CHECK(e.entity_id == s.id);
  CHECK(e.tipo == "temperatura");
  const auto d = parse(e);
  CHECK(std::string(d["metadata"]["action"].GetString()) == "create_sensor");
  CHECK(d["data"]["id"].GetInt64() == s.id);
  CHECK_FALSE(d["data"].HasMember("updated_fields"));

  sensor_patch p = sensor_body("humedad", "X");
  p.ubicacion = std::optional<std::string>("patio");
  p.activo = false;
  const sensor s2 = f.sensors.create(p);
  CHECK(s2.ubicacion == std::optional<std::string>("patio"));
  CHECK(s2.activo == false);
  sensor_query q;
  CHECK(f.sensors.list(q).size() == 2);
  q.tipo = "humedad";
  CHECK(f.sensors.list(q).size() == 1);
}

TEST_CASE("sensor_service: invalid input writes nothing") {
  fixture f;
  sensor_patch p;
  p.modelo = "DHT22";
  const auto fields = validation_fields([&] { f.sensors.create(p); });
  CHECK(fields.count("tipo") == 1);

  p = sensor_body("", "DHT22");
  CHECK(validation_fields([&] { f.sensors.create(p); }).count("tipo") == 1);

  CHECK(f.sensors.list(sensor_query{}).empty());
  CHECK(f.events.empty());
  CHECK(f.repo.last_seq() == 0);

  const sensor s = f.sensors.create(sensor_body("temperatura", "DHT22"));
  sensor_patch bad;
  bad.modelo = std::string(129, 'm');
  CHECK(validation_fields([&] { f.sensors.update(s.id, bad); }).count("modelo") == 1);
  CHECK(f.sensors.get(s.id)->modelo == "DHT22");
  CHECK(f.events.size() == 1);
}

TEST_CASE("sensor_service: update lists exactly the fields that changed") {
  fixture f;
  const sensor s = f.sensors.create(sensor_body("temperatura", "DHT22"));
  f.events.clear();

  SUBCASE("one field") {
    sensor_patch p;
    p.modelo = "DHT11";
    p.tipo = "temperatura";  // same value: not a change
    const sensor after = f.sensors.update(s.id, p);
    CHECK(after.modelo == "DHT11");
    CHECK(after.created_at == s.created_at);
    CHECK(after.updated_at >= s.updated_at);
    CHECK(f.sensors.get(s.id)->modelo == "DHT11");
    REQUIRE(f.events.size() == 1);
    CHECK(f.events[0].entity_id == s.id);
    check_updated(f.events[0], {"modelo"});
    CHECK(std::string(parse(f.events[0])["metadata"]["action"].GetString()) == "update_sensor");
  }
  SUBCASE("several fields, in the entity's field order") {
    sensor_patch p;
    p.activo = false;
    p.ubicacion = std::optional<std::string>("sala");
    p.tipo = "humedad";
    const sensor after = f.sensors.update(s.id, p);
    CHECK(after.tipo == "humedad");
    CHECK(after.activo == false);
    REQUIRE(f.events.size() == 1);
    check_updated(f.events[0], {"tipo", "ubicacion", "activo"});
    CHECK(f.events[0].tipo == "humedad");
  }
  SUBCASE("nothing changed: no write, no event") {
    sensor_patch p;
    p.tipo = "temperatura";
    p.modelo = "DHT22";
    p.ubicacion = std::optional<std::string>();  // null, as stored
    p.activo = true;
    const sensor after = f.sensors.update(s.id, p);
    CHECK(after.updated_at == s.updated_at);
    CHECK(f.sensors.get(s.id)->updated_at == s.updated_at);
    const sensor empty_patch = f.sensors.update(s.id, sensor_patch{});
    CHECK(empty_patch.updated_at == s.updated_at);
    CHECK(f.events.empty());
    CHECK(f.repo.last_seq() == 1);
  }
  SUBCASE("ubicacion from null to a value and back to null") {
    sensor_patch p;
    p.ubicacion = std::optional<std::string>("sala");
    f.sensors.update(s.id, p);
    f.sensors.update(s.id, p);  // same again: nothing
    p.ubicacion = std::optional<std::string>();
    const sensor after = f.sensors.update(s.id, p);
    CHECK_FALSE(after.ubicacion.has_value());
    REQUIRE(f.events.size() == 2);
    check_updated(f.events[0], {"ubicacion"});
    check_updated(f.events[1], {"ubicacion"});
  }
}

TEST_CASE("sensor_service: unknown ids are not_found") {
  fixture f;
  sensor_patch p;
  p.modelo = "X";
  CHECK(not_found_detail([&] { f.sensors.update(5, p); }) == "sensor 5 not found");
  CHECK(not_found_detail([&] { f.sensors.remove(5); }) == "sensor 5 not found");
  CHECK_FALSE(f.sensors.get(5).has_value());
  CHECK(f.events.empty());
}

TEST_CASE("sensor_service: remove reports readings_deleted in one event") {
  fixture f;
  const sensor lonely = f.sensors.create(sensor_body("temperatura", "DHT22"));
  const sensor busy = f.sensors.create(sensor_body("humedad", "DHT22"));
  for (int i = 0; i < 3; ++i) f.readings.create(reading_body(busy.id, i));
  f.events.clear();

  CHECK(f.sensors.remove(lonely.id) == 0);
  REQUIRE(f.events.size() == 1);
  {
    const auto d = parse(f.events[0]);
    CHECK(f.events[0].type == event_type::deleted);
    CHECK(f.events[0].entity_id == lonely.id);
    CHECK(d["metadata"]["readings_deleted"].GetInt64() == 0);
    CHECK(std::string(d["metadata"]["action"].GetString()) == "delete_sensor");
    CHECK(std::string(d["data"]["tipo"].GetString()) == "temperatura");
  }

  CHECK(f.sensors.remove(busy.id) == 3);
  REQUIRE(f.events.size() == 2);  // exactly one more: no per-reading events
  CHECK(f.events[1].type == event_type::deleted);
  CHECK(f.events[1].chan == channel::sensors);
  CHECK(parse(f.events[1])["metadata"]["readings_deleted"].GetInt64() == 3);
  reading_query q;
  q.sensor_id = busy.id;
  CHECK(f.readings.list(q).empty());
  CHECK_FALSE(f.sensors.get(busy.id).has_value());
}

TEST_CASE("reading_service: create, defaults and the sensor's tipo on the event") {
  fixture f;
  const sensor s = f.sensors.create(sensor_body("temperatura", "DHT22"));
  f.events.clear();

  const timestamp before = now();
  reading_patch p = reading_body(s.id, 21.5);
  const reading l = f.readings.create(p);
  CHECK(l.id > 0);
  CHECK(l.sensor_id == s.id);
  CHECK(l.valor == 21.5);
  CHECK_FALSE(l.unidad.has_value());
  CHECK(l.timestamp >= before);  // defaults to now
  CHECK(l.created_at == l.timestamp);

  p.timestamp = from_micros(1234567);
  p.unidad = std::optional<std::string>("C");
  const reading explicit_ts = f.readings.create(p);
  CHECK(to_micros(explicit_ts.timestamp) == 1234567);
  CHECK(f.readings.get(explicit_ts.id)->unidad == std::optional<std::string>("C"));

  REQUIRE(f.events.size() == 2);
  const event& e = f.events[0];
  CHECK(e.chan == channel::readings);
  CHECK(e.entity == entity_kind::reading);
  CHECK(e.entity_id == l.id);
  CHECK(e.sensor_id == s.id);
  CHECK(e.tipo == "temperatura");
  CHECK(std::string(parse(e)["metadata"]["action"].GetString()) == "create_lectura");

  reading_query q;
  q.sensor_id = s.id;
  const auto list = f.readings.list(q);
  REQUIRE(list.size() == 2);
  CHECK(list[0].id == l.id);  // newest timestamp first
}

TEST_CASE("reading_service: a reading for a missing sensor is a validation error") {
  fixture f;
  const auto fields = validation_fields([&] { f.readings.create(reading_body(999, 1.0)); });
  REQUIRE(fields.count("sensor_id") == 1);
  CHECK(fields.at("sensor_id") == "sensor 999 does not exist");
  CHECK(f.readings.list(reading_query{}).empty());
  CHECK(f.events.empty());

  reading_patch no_valor;
  no_valor.sensor_id = 1;
  CHECK(validation_fields([&] { f.readings.create(no_valor); }).count("valor") == 1);
}

TEST_CASE("reading_service: update diffs the fields and checks a new sensor") {
  fixture f;
  const sensor a = f.sensors.create(sensor_body("temperatura", "DHT22"));
  const sensor b = f.sensors.create(sensor_body("humedad", "DHT22"));
  reading_patch create = reading_body(a.id, 1.0);
  create.timestamp = from_micros(1000);
  const reading l = f.readings.create(create);
  f.events.clear();

  reading_patch same;
  same.sensor_id = a.id;
  same.valor = 1.0;
  same.unidad = std::optional<std::string>();
  same.timestamp = from_micros(1000);
  const reading unchanged = f.readings.update(l.id, same);
  CHECK(unchanged.updated_at == l.updated_at);
  CHECK(f.events.empty());

  reading_patch value;
  value.valor = 2.0;
  value.timestamp = from_micros(1000);  // same: not listed
  CHECK(f.readings.update(l.id, value).valor == 2.0);
  REQUIRE(f.events.size() == 1);
  check_updated(f.events[0], {"valor"});
  CHECK(f.events[0].tipo == "temperatura");
  CHECK(std::string(parse(f.events[0])["metadata"]["action"].GetString()) == "update_lectura");

  reading_patch missing;
  missing.sensor_id = 777;
  const auto fields = validation_fields([&] { f.readings.update(l.id, missing); });
  CHECK(fields.at("sensor_id") == "sensor 777 does not exist");
  CHECK(f.readings.get(l.id)->sensor_id == a.id);
  CHECK(f.events.size() == 1);

  reading_patch move;
  move.sensor_id = b.id;
  move.unidad = std::optional<std::string>("%");
  move.timestamp = from_micros(2000);
  const reading moved = f.readings.update(l.id, move);
  CHECK(moved.sensor_id == b.id);
  REQUIRE(f.events.size() == 2);
  check_updated(f.events[1], {"sensor_id", "unidad", "timestamp"});
  CHECK(f.events[1].sensor_id == b.id);
  CHECK(f.events[1].tipo == "humedad");

  reading_patch negative_zero;
  negative_zero.valor = -0.0;
  f.readings.update(l.id, reading_body(b.id, 0.0));
  const std::size_t before = f.events.size();
  // -0.0 is stored as 0.0 (issue 10: SQLite would read it back as 0.0), so
  // it changes nothing; onto another value it becomes 0.0, never -0.0.
  const reading kept = f.readings.update(l.id, negative_zero);
  CHECK(f.events.size() == before);
  CHECK_FALSE(std::signbit(kept.valor));
  f.readings.update(l.id, reading_body(b.id, 5.0));
  const reading zeroed = f.readings.update(l.id, negative_zero);
  CHECK(zeroed.valor == 0.0);
  CHECK_FALSE(std::signbit(zeroed.valor));
  CHECK_FALSE(std::signbit(f.readings.create(reading_body(b.id, -0.0)).valor));

  reading_patch any;
  any.valor = 3.0;
  CHECK(not_found_detail([&] { f.readings.update(424242, any); }) == "lectura 424242 not found");
}

TEST_CASE("reading_service: remove emits deleted with the reading as it was") {
  fixture f;
  const sensor s = f.sensors.create(sensor_body("temperatura", "DHT22"));
  const reading l = f.readings.create(reading_body(s.id, 4.5));
  f.events.clear();
  f.readings.remove(l.id);
  CHECK_FALSE(f.readings.get(l.id).has_value());
  REQUIRE(f.events.size() == 1);
  CHECK(f.events[0].type == event_type::deleted);
  CHECK(f.events[0].entity_id == l.id);
  CHECK(f.events[0].tipo == "temperatura");
  const auto d = parse(f.events[0]);
  CHECK(d["data"]["valor"].GetDouble() == 4.5);
  CHECK(std::string(d["metadata"]["action"].GetString()) == "delete_lectura");
  CHECK(not_found_detail([&] { f.readings.remove(l.id); }) ==
        "lectura " + std::to_string(l.id) + " not found");
  CHECK(f.events.size() == 1);
}

TEST_CASE("reading_service: batch is all-or-nothing with one event per item in order") {
  fixture f;
  const sensor a = f.sensors.create(sensor_body("temperatura", "DHT22"));
  const sensor b = f.sensors.create(sensor_body("humedad", "DHT22"));
  f.events.clear();

  SUBCASE("all valid") {
    const std::vector<reading_patch> items = {reading_body(a.id, 1), reading_body(b.id, 2),
                                              reading_body(a.id, 3)};
    const batch_result r = f.readings.create_batch(items);
    CHECK(r.created == 3);
    CHECK(r.last_id - r.first_id == 2);
    REQUIRE(f.events.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) {
      CHECK(f.events[i].type == event_type::created);
      CHECK(f.events[i].entity_id == r.first_id + static_cast<std::int64_t>(i));
      if (i > 0) CHECK(f.events[i].seq == f.events[i - 1].seq + 1);
    }
    CHECK(f.events[1].tipo == "humedad");
    CHECK(f.events[2].tipo == "temperatura");
    CHECK(f.readings.get(r.first_id + 1)->valor == 2);
    CHECK(f.readings.list(reading_query{}).size() == 3);
  }
  SUBCASE("one invalid item") {
    reading_patch bad;
    bad.sensor_id = a.id;  // no valor
    const std::vector<reading_patch> items = {reading_body(a.id, 1), bad, reading_body(a.id, 3)};
    const auto fields = validation_fields([&] { f.readings.create_batch(items); });
    CHECK(fields.count("[1].valor") == 1);
    CHECK(fields.size() == 1);
    CHECK(f.readings.list(reading_query{}).empty());
    CHECK(f.events.empty());
  }
  SUBCASE("an item for a missing sensor") {
    const std::vector<reading_patch> items = {reading_body(a.id, 1), reading_body(a.id, 2),
                                              reading_body(31337, 3)};
    const auto fields = validation_fields([&] { f.readings.create_batch(items); });
    REQUIRE(fields.count("[2].sensor_id") == 1);
    CHECK(fields.at("[2].sensor_id") == "sensor 31337 does not exist");
    CHECK(f.readings.list(reading_query{}).empty());
    CHECK(f.events.empty());
    CHECK(f.repo.last_seq() == 2);
  }
  SUBCASE("an empty batch") {
    CHECK(validation_fields([&] { f.readings.create_batch({}); }).count("items") == 1);
    CHECK(f.events.empty());
  }
}

TEST_CASE("services clamp list limits defensively") {
  fixture f;
  const sensor s = f.sensors.create(sensor_body("t", "m"));
  std::vector<reading_patch> items(max_list_limit + 5, reading_body(s.id, 1));
  CHECK(f.readings.create_batch(items).created == items.size());
  reading_query q;
  q.limit = max_list_limit * 10;
  CHECK(f.readings.list(q).size() == max_list_limit);
  sensor_query sq;
  sq.limit = 0;
  CHECK(f.sensors.list(sq).empty());
}

// SPDX-License-Identifier: MIT
// Data scopes (SPEC §7.1): the scope check itself, the filter's reading of
// its views, and every service method with an out-of-scope id.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "sensorhub/codec.hpp"
#include "sensorhub/data_scope.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/filter.hpp"
#include "sensorhub/reading_service.hpp"
#include "sensorhub/sensor_service.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "support/json_dom.hpp"

using namespace sensorhub;

namespace {

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

  sensor add(const std::string& tipo, std::optional<std::string> ubicacion = std::nullopt) {
    sensor_patch p;
    p.tipo = tipo;
    p.modelo = "M";
    if (ubicacion) p.ubicacion = std::optional<std::string>(*ubicacion);
    return sensors.create(p);
  }
  reading add_reading(std::int64_t sensor_id, double v) {
    reading_patch p;
    p.sensor_id = sensor_id;
    p.valor = v;
    return readings.create(p);
  }
};

data_scope tipo_scope(std::string t) {
  data_scope s;
  s.tipo = {std::move(t)};
  return s;
}

sensor_patch move_to(std::optional<std::string> ubicacion) {
  sensor_patch p;
  p.ubicacion = ubicacion;
  return p;
}

errc code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const error& e) {
    return e.code();
  }
  FAIL("no error thrown");
  return errc::internal;
}

// The 422 field errors of f (REQUIREs a validation_error).
field_errors fields_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const validation_error& e) {
    return e.fields();
  }
  FAIL("no validation_error thrown");
  return {};
}

std::optional<std::string> to_optional(const std::shared_ptr<const std::string>& p) {
  return p ? std::optional<std::string>(*p) : std::nullopt;
}

}  // namespace

TEST_CASE("data_scope: keys AND, values OR, empty lists restrict nothing, null ubicacion") {
  sensor s;
  s.id = 3;
  s.tipo = "temperatura";
  s.ubicacion = "lab";
  CHECK(data_scope{}.unrestricted());
  CHECK(data_scope{}.contains(s));
  data_scope sc;
  sc.tipo = {"humedad", "temperatura"};
  CHECK_FALSE(sc.unrestricted());
  CHECK(sc.contains(s));
  sc.sensor_id = {7};
  CHECK_FALSE(sc.contains(s));  // keys AND
  sc.sensor_id = {7, 3};
  CHECK(sc.contains(s));
  sc.ubicacion = {"roof"};
  CHECK_FALSE(sc.contains(s));
  sc.ubicacion = {"roof", "lab"};
  CHECK(sc.contains(s));
  s.ubicacion.reset();
  CHECK_FALSE(sc.contains(s));  // null never matches a non-empty list
  CHECK(sc.contains(3, "temperatura", std::string("lab")));
  CHECK_FALSE(sc.contains(3, "temperatura", std::nullopt));
}

TEST_CASE("scoped_view: invisible, unchanged, or the scope_left / scope_entered variant") {
  fixture f;
  const sensor lab = f.add("temperatura", "lab");
  f.sensors.update(lab.id, move_to("roof"));  // one event, two views
  REQUIRE(f.events.size() == 2);
  const event& moved = f.events[1];
  REQUIRE(moved.moved.get() != nullptr);
  REQUIRE(moved.ubicacion.get() != nullptr);
  CHECK(*moved.ubicacion == "roof");

  data_scope in_lab;
  in_lab.ubicacion = {"lab"};
  data_scope on_roof;
  on_roof.ubicacion = {"roof"};
  data_scope both;
  both.ubicacion = {"lab", "roof"};
  data_scope cellar;
  cellar.ubicacion = {"cellar"};

  const auto left = scoped_view(moved, in_lab);
  REQUIRE(left.has_value());
  CHECK(left->type == event_type::scope_left);
  CHECK(left->seq == moved.seq);
  // The wire text differs from the event's in the event_type only.
  std::string expected = *moved.json;
  const std::string from = "\"event_type\":\"updated\"";
  expected.replace(expected.find(from), from.size(), "\"event_type\":\"scope_left\"");
  CHECK(*left->json == expected);
  const auto d = testing::dom_object(*left->json);
  CHECK(std::string(d["data"]["ubicacion"].GetString()) == "roof");  // the entity after

  const auto entered = scoped_view(moved, on_roof);
  REQUIRE(entered.has_value());
  CHECK(entered->type == event_type::scope_entered);
  CHECK(testing::dom_object(*entered->json)["event_type"].GetString() ==
        std::string("scope_entered"));
  // The variants are built once, with the event: every view shares them.
  CHECK(scoped_view_ptr(moved, on_roof)->json.get() == moved.moved->entered.json.get());
  CHECK(scoped_view_ptr(moved, in_lab) == &moved.moved->left);

  CHECK(scoped_view_ptr(moved, both) == &moved);  // stays inside: the plain update
  CHECK(scoped_view_ptr(moved, data_scope{}) == &moved);
  CHECK_FALSE(scoped_view(moved, cellar).has_value());
  CHECK(scoped_view_ptr(f.events[0], in_lab) == &f.events[0]);  // created in the lab
  CHECK_FALSE(scoped_view(f.events[0], on_roof).has_value());

  // System and test events are seen by every scope.
  const event sys = make_system_event(9, now(), system_change{"server_started", "{}"});
  CHECK(scoped_view_ptr(sys, cellar) == &sys);
  const event test = make_test_event(channel::sensors, "hi", "{}", now());
  CHECK(scoped_view_ptr(test, cellar) == &test);
}

TEST_CASE("an update that keeps tipo and ubicacion carries no variants") {
  fixture f;
  const sensor s = f.add("temperatura", "lab");
  sensor_patch p;
  p.modelo = "DHT22";
  f.sensors.update(s.id, p);
  REQUIRE(f.events.size() == 2);
  CHECK(f.events[1].moved.get() == nullptr);
}

TEST_CASE("filters read scope_left as deleted and scope_entered as created, never widened") {
  fixture f;
  const sensor s = f.add("temperatura", "lab");
  f.sensors.update(s.id, move_to("roof"));
  const event& moved = f.events[1];
  data_scope in_lab;
  in_lab.ubicacion = {"lab"};
  data_scope on_roof;
  on_roof.ubicacion = {"roof"};
  const event left = *scoped_view(moved, in_lab);
  const event entered = *scoped_view(moved, on_roof);

  event_filter deleted;
  deleted.event_types = {event_type::deleted};
  event_filter created;
  created.event_types = {event_type::created};
  event_filter updated;
  updated.event_types = {event_type::updated};
  CHECK(deleted.matches(left));
  CHECK_FALSE(deleted.matches(entered));
  CHECK(created.matches(entered));
  CHECK_FALSE(created.matches(left));
  CHECK_FALSE(updated.matches(left));
  CHECK_FALSE(updated.matches(entered));
  CHECK(updated.matches(moved));
  // scope_left is matched on the keys the reader knew the sensor by: a filter
  // on the scope's own tipo still lets the departure through.
  sensor_patch to_hum;
  to_hum.tipo = "humedad";
  f.sensors.update(s.id, to_hum);
  const event& retyped = f.events.back();
  const data_scope temps = tipo_scope("temperatura");
  const event gone = *scoped_view(retyped, temps);
  CHECK(gone.type == event_type::scope_left);
  CHECK(testing::dom_object(*gone.json)["data"]["tipo"].GetString() == std::string("humedad"));
  event_filter temp_filter;
  temp_filter.tipo = {"temperatura"};
  CHECK(temp_filter.matches(gone));
  CHECK_FALSE(temp_filter.matches(retyped));  // unscoped readers: the filter as always
  const event back = *scoped_view(retyped, tipo_scope("humedad"));
  CHECK(back.type == event_type::scope_entered);
  CHECK_FALSE(temp_filter.matches(back));

  // The names exist on the wire; a client filter still names only three.
  CHECK(std::string(event_type_name(event_type::scope_left)) == "scope_left");
  CHECK(std::string(event_type_name(event_type::scope_entered)) == "scope_entered");
  CHECK_FALSE(parse_event_type("scope_left").has_value());
}

TEST_CASE("sensor_service: out-of-scope ids do not exist, leaving or creating outside is 403") {
  fixture f;
  const sensor t = f.add("temperatura", "lab");
  const sensor h = f.add("humedad", "lab");
  const data_scope temps = tipo_scope("temperatura");
  const std::size_t events_before = f.events.size();

  CHECK(f.sensors.get(t.id, temps).has_value());
  CHECK_FALSE(f.sensors.get(h.id, temps).has_value());
  CHECK(f.sensors.get(h.id).has_value());  // unscoped: everything

  sensor_patch rename;
  rename.modelo = "X";
  CHECK(code_of([&] { f.sensors.update(h.id, rename, temps); }) == errc::not_found);
  CHECK(code_of([&] { f.sensors.remove(h.id, temps); }) == errc::not_found);
  CHECK(code_of([&] { f.sensors.update(999, rename, temps); }) == errc::not_found);

  sensor_patch make_hum;
  make_hum.tipo = "humedad";
  make_hum.modelo = "M";
  CHECK(code_of([&] { f.sensors.create(make_hum, temps); }) == errc::forbidden);
  sensor_patch leave;
  leave.tipo = "humedad";
  CHECK(code_of([&] { f.sensors.update(t.id, leave, temps); }) == errc::forbidden);

  CHECK(f.events.size() == events_before);  // nothing was written
  CHECK(f.repo.find_sensor(t.id)->tipo == "temperatura");
  CHECK(f.repo.list_sensors(sensor_query{}).size() == 2);
  CHECK(f.repo.find_sensor(h.id)->modelo == "M");

  // A scope on ids: a new sensor gets an id outside it, so creating is 403.
  data_scope ids;
  ids.sensor_id = {t.id};
  sensor_patch make_temp = make_hum;
  make_temp.tipo = "temperatura";
  CHECK(code_of([&] { f.sensors.create(make_temp, ids); }) == errc::forbidden);
  CHECK(f.sensors.create(make_temp, temps).tipo == "temperatura");
  CHECK(f.sensors.update(t.id, rename, temps).modelo == "X");
  CHECK(f.sensors.remove(t.id, temps) == 0);
}

TEST_CASE("sensor_service::list filters by scope in SQL, then limit and offset") {
  fixture f;
  std::vector<std::int64_t> temps;
  for (int i = 0; i < 6; ++i) {
    f.add("humedad", "lab");
    temps.push_back(f.add("temperatura", i % 2 == 0 ? "lab" : "roof").id);
  }
  f.add("temperatura");  // ubicacion null
  data_scope sc;
  sc.tipo = {"temperatura"};
  sc.ubicacion = {"lab", "roof"};
  sensor_query q;
  q.limit = 4;
  auto page = f.sensors.list(q, sc);
  REQUIRE(page.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) CHECK(page[i].id == temps[i]);
  q.offset = 4;
  page = f.sensors.list(q, sc);
  REQUIRE(page.size() == 2);
  CHECK(page[1].id == temps[5]);

  sensor_query hum;
  hum.tipo = "humedad";  // the client's ?tipo= is intersected, never widened
  CHECK(f.sensors.list(hum, sc).empty());
  CHECK(f.sensors.list(hum).size() == 6);
  data_scope ids;
  ids.sensor_id = {temps[0], temps[3], 424242};
  ids.ubicacion = {"lab"};
  page = f.sensors.list(sensor_query{}, ids);
  REQUIRE(page.size() == 1);
  CHECK(page[0].id == temps[0]);
}

TEST_CASE("reading_service: an out-of-scope sensor is a missing sensor, readings follow it") {
  fixture f;
  const sensor t = f.add("temperatura", "lab");
  const sensor h = f.add("humedad", "lab");
  const reading rt = f.add_reading(t.id, 1);
  const reading rh = f.add_reading(h.id, 2);
  const data_scope temps = tipo_scope("temperatura");
  const std::size_t events_before = f.events.size();

  reading_patch bad;
  bad.sensor_id = h.id;
  bad.valor = 5;
  const auto scoped = fields_of([&] { f.readings.create(bad, temps); });
  bad.sensor_id = 999;
  const auto missing = fields_of([&] { f.readings.create(bad, temps); });
  REQUIRE(scoped.count("sensor_id") == 1);
  CHECK(scoped.at("sensor_id") == "sensor " + std::to_string(h.id) + " does not exist");
  CHECK(missing.count("sensor_id") == 1);

  reading_patch ok;
  ok.sensor_id = t.id;
  ok.valor = 1;
  reading_patch other = ok;
  other.sensor_id = h.id;
  const auto batch = fields_of([&] { f.readings.create_batch({ok, other, ok}, temps); });
  CHECK(batch.size() == 1);
  CHECK(batch.count("[1].sensor_id") == 1);

  CHECK(f.readings.get(rt.id, temps).has_value());
  CHECK_FALSE(f.readings.get(rh.id, temps).has_value());
  reading_patch v;
  v.valor = 9;
  CHECK(code_of([&] { f.readings.update(rh.id, v, temps); }) == errc::not_found);
  CHECK(code_of([&] { f.readings.remove(rh.id, temps); }) == errc::not_found);
  reading_patch to_h;
  to_h.sensor_id = h.id;
  CHECK(fields_of([&] { f.readings.update(rt.id, to_h, temps); }).count("sensor_id") == 1);
  CHECK(f.events.size() == events_before);  // nothing was written

  const auto listed = f.readings.list(reading_query{}, temps);
  REQUIRE(listed.size() == 1);
  CHECK(listed[0].id == rt.id);
  reading_query of_h;
  of_h.sensor_id = h.id;
  CHECK(f.readings.list(of_h, temps).empty());
  CHECK(f.readings.list(of_h).size() == 1);

  // A reading is in scope iff its sensor is, now: moving the sensor moves it.
  sensor_patch to_temp;
  to_temp.tipo = "temperatura";
  f.sensors.update(h.id, to_temp);
  CHECK(f.readings.get(rh.id, temps).has_value());
  CHECK(f.readings.update(rh.id, v, temps).valor == 9);
  CHECK(f.readings.create_batch({ok, other}, temps).created == 2);
  f.readings.remove(rh.id, temps);
}

TEST_CASE("reading events carry their sensor's scope keys as they were at commit") {
  fixture f;
  const sensor s = f.add("temperatura", "lab");
  f.add_reading(s.id, 1);
  f.sensors.update(s.id, move_to(std::nullopt));
  f.add_reading(s.id, 2);
  REQUIRE(f.events.size() == 4);
  REQUIRE(f.events[1].ubicacion.get() != nullptr);
  CHECK(*f.events[1].ubicacion == "lab");
  CHECK(f.events[1].tipo == "temperatura");
  CHECK(f.events[3].ubicacion.get() == nullptr);
  // And they read back from the event log the same, variants included.
  event_query q;
  q.limit = 10;
  const auto stored = f.repo.events(q);
  REQUIRE(stored.size() == 4);
  for (std::size_t i = 0; i < 4; ++i) {
    CHECK(to_optional(stored[i].ubicacion) == to_optional(f.events[i].ubicacion));
    CHECK((stored[i].moved != nullptr) == (f.events[i].moved != nullptr));
  }
  REQUIRE(stored[2].moved.get() != nullptr);
  CHECK(stored[2].moved->before.ubicacion == std::optional<std::string>("lab"));
  CHECK(*stored[2].moved->left.json == *f.events[2].moved->left.json);
  CHECK(*stored[2].moved->entered.json == *f.events[2].moved->entered.json);
}

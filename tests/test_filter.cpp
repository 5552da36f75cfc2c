// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "sensorhub/filter.hpp"

using namespace sensorhub;

namespace {

event sensor_event(std::int64_t id, const char* tipo, event_type t = event_type::created) {
  event e;
  e.seq = 1;
  e.chan = channel::sensors;
  e.kind = event_kind::entity;
  e.entity = entity_kind::sensor;
  e.type = t;
  e.entity_id = id;
  e.sensor_id = id;
  e.tipo = tipo;
  e.json = std::make_shared<const std::string>("{}");
  return e;
}

event reading_event(std::int64_t id, std::int64_t sensor_id, const char* tipo,
                    event_type t = event_type::created) {
  event e = sensor_event(id, tipo, t);
  e.chan = channel::readings;
  e.entity = entity_kind::reading;
  e.sensor_id = sensor_id;
  return e;
}

event system_event() {
  event e;
  e.seq = 5;
  e.chan = channel::general;
  e.kind = event_kind::system;
  e.name = "server_started";
  return e;
}

event test_event() {
  event e;
  e.chan = channel::sensors;
  e.kind = event_kind::test;
  return e;
}

}  // namespace

TEST_CASE("an empty filter matches everything") {
  event_filter f;
  CHECK(f.empty());
  CHECK(f.matches(sensor_event(1, "t")));
  CHECK(f.matches(reading_event(1, 2, "t")));
  CHECK(f.matches(system_event()));
  CHECK(f.matches(test_event()));
}

TEST_CASE("entity_id matches the event's entity") {
  event_filter f;
  f.entity_id = {3, 5};
  CHECK_FALSE(f.empty());
  CHECK(f.matches(sensor_event(3, "t")));
  CHECK(f.matches(sensor_event(5, "t")));
  CHECK_FALSE(f.matches(sensor_event(4, "t")));
  CHECK(f.matches(reading_event(5, 99, "t")));
  CHECK_FALSE(f.matches(reading_event(99, 5, "t")));  // a reading's sensor_id is not its id
}

TEST_CASE("sensor_id: the sensors themselves, or readings of those sensors") {
  event_filter f;
  f.sensor_id = {7};
  CHECK(f.matches(sensor_event(7, "t")));
  CHECK_FALSE(f.matches(sensor_event(8, "t")));
  CHECK(f.matches(reading_event(100, 7, "t")));
  CHECK_FALSE(f.matches(reading_event(7, 8, "t")));
}

TEST_CASE("event_types and tipo") {
  event_filter f;
  f.event_types = {event_type::updated, event_type::deleted};
  CHECK_FALSE(f.matches(sensor_event(1, "t", event_type::created)));
  CHECK(f.matches(sensor_event(1, "t", event_type::updated)));
  CHECK(f.matches(reading_event(1, 1, "t", event_type::deleted)));

  event_filter g;
  g.tipo = {"temperatura", "humedad"};
  CHECK(g.matches(sensor_event(1, "temperatura")));
  CHECK(g.matches(reading_event(2, 1, "humedad")));
  CHECK_FALSE(g.matches(reading_event(2, 1, "presion")));
  CHECK_FALSE(g.matches(sensor_event(1, "Temperatura")));  // exact match
}

TEST_CASE("different keys are ANDed, lists are ORed") {
  event_filter f;
  f.sensor_id = {1, 2};
  f.event_types = {event_type::created};
  f.tipo = {"temperatura"};
  CHECK(f.matches(reading_event(10, 2, "temperatura", event_type::created)));
  CHECK_FALSE(f.matches(reading_event(10, 3, "temperatura", event_type::created)));
  CHECK_FALSE(f.matches(reading_event(10, 2, "humedad", event_type::created)));
  CHECK_FALSE(f.matches(reading_event(10, 2, "temperatura", event_type::updated)));
}

TEST_CASE("predicate is ANDed in, for entity events only") {
  event_filter f;
  f.predicate = [](const event& e) { return e.entity_id % 2 == 0; };
  CHECK_FALSE(f.empty());
  CHECK(f.matches(sensor_event(2, "t")));
  CHECK_FALSE(f.matches(sensor_event(3, "t")));
  f.tipo = {"x"};
  CHECK_FALSE(f.matches(sensor_event(2, "t")));
  CHECK(f.matches(sensor_event(2, "x")));
  // System and test events always pass, whatever the filter says.
  f.entity_id = {42};
  f.predicate = [](const event&) { return false; };
  CHECK(f.matches(system_event()));
  CHECK(f.matches(test_event()));
}

// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include "sensorhub/validation.hpp"

using namespace sensorhub;

namespace {

std::string chars(std::size_t n, const char* one = "a") {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += one;
  return s;
}

sensor_patch good_sensor() {
  sensor_patch p;
  p.tipo = "temperatura";
  p.modelo = "DHT22";
  return p;
}

reading_patch good_reading() {
  reading_patch p;
  p.sensor_id = 1;
  p.valor = 21.5;
  return p;
}

}  // namespace

TEST_CASE("code_points counts Unicode code points") {
  CHECK(code_points("") == 0);
  CHECK(code_points("abc") == 3);
  CHECK(code_points("ñandú") == 5);
  CHECK(code_points("€") == 1);
  CHECK(code_points("😀x") == 2);
}

TEST_CASE("sensor create: required fields") {
  CHECK(validate_sensor_create(good_sensor()).empty());
  CHECK(validate_sensor_create(sensor_patch{}) ==
        field_errors{{"tipo", "required"}, {"modelo", "required"}});
  auto p = good_sensor();
  p.tipo.reset();
  CHECK(validate_sensor_create(p) == field_errors{{"tipo", "required"}});
  p = good_sensor();
  p.modelo.reset();
  CHECK(validate_sensor_create(p) == field_errors{{"modelo", "required"}});
}

TEST_CASE("sensor lengths count code points, at both limits") {
  auto p = good_sensor();
  p.tipo = chars(64);
  p.modelo = chars(128);
  p.ubicacion = std::optional<std::string>{chars(256)};
  CHECK(validate_sensor_create(p).empty());
  p.tipo = chars(64, "ñ");  // 128 bytes, 64 code points
  p.modelo = chars(128, "€");
  p.ubicacion = std::optional<std::string>{chars(256, "😀")};
  CHECK(validate_sensor_create(p).empty());

  p.tipo = chars(65);
  p.modelo = chars(129);
  p.ubicacion = std::optional<std::string>{chars(257)};
  CHECK(validate_sensor_create(p) == field_errors{{"tipo", "must be 1..64 characters"},
                                                  {"modelo", "must be 1..128 characters"},
                                                  {"ubicacion", "must be at most 256 characters"}});
  p = good_sensor();
  p.tipo = "";
  p.modelo = "";
  CHECK(validate_sensor_create(p) == field_errors{{"tipo", "must be 1..64 characters"},
                                                  {"modelo", "must be 1..128 characters"}});
  // ubicacion: empty string and explicit null are fine.
  p = good_sensor();
  p.ubicacion = std::optional<std::string>{""};
  CHECK(validate_sensor_create(p).empty());
  p.ubicacion = std::optional<std::string>{};
  CHECK(validate_sensor_create(p).empty());
}

TEST_CASE("sensor update: only present fields are checked, with the same rules") {
  CHECK(validate_sensor_update(sensor_patch{}).empty());
  sensor_patch p;
  p.activo = false;
  CHECK(validate_sensor_update(p).empty());
  p.tipo = "";
  CHECK(validate_sensor_update(p) == field_errors{{"tipo", "must be 1..64 characters"}});
  p.tipo.reset();
  p.modelo = "";
  CHECK(validate_sensor_update(p) == field_errors{{"modelo", "must be 1..128 characters"}});
  p.modelo = chars(129);
  CHECK(validate_sensor_update(p) == field_errors{{"modelo", "must be 1..128 characters"}});
  p.modelo.reset();
  p.ubicacion = std::optional<std::string>{chars(257)};
  CHECK(validate_sensor_update(p) == field_errors{{"ubicacion", "must be at most 256 characters"}});
  p.ubicacion = std::optional<std::string>{};
  CHECK(validate_sensor_update(p).empty());
}

TEST_CASE("strings must be valid UTF-8 (embedders bypass the JSON parser)") {
  auto p = good_sensor();
  p.tipo = "a\xff";
  p.ubicacion = std::optional<std::string>{"\xed\xa0\x80"};
  CHECK(validate_sensor_create(p) ==
        field_errors{{"tipo", "must be valid UTF-8"}, {"ubicacion", "must be valid UTF-8"}});
  auto l = good_reading();
  l.unidad = std::optional<std::string>{"\xc3"};
  CHECK(validate_reading_create(l) == field_errors{{"unidad", "must be valid UTF-8"}});
}

TEST_CASE("lectura create: required fields and rules") {
  CHECK(validate_reading_create(good_reading()).empty());
  CHECK(validate_reading_create(reading_patch{}) ==
        field_errors{{"sensor_id", "required"}, {"valor", "required"}});
  auto p = good_reading();
  p.sensor_id = 0;
  CHECK(validate_reading_create(p) == field_errors{{"sensor_id", "must be a positive integer"}});
  p.sensor_id = -1;
  CHECK(validate_reading_create(p) == field_errors{{"sensor_id", "must be a positive integer"}});
  p.sensor_id = std::numeric_limits<std::int64_t>::max();
  CHECK(validate_reading_create(p).empty());

  p = good_reading();
  p.valor = std::numeric_limits<double>::quiet_NaN();
  CHECK(validate_reading_create(p) == field_errors{{"valor", "must be a finite number"}});
  p.valor = std::numeric_limits<double>::infinity();
  CHECK(validate_reading_create(p) == field_errors{{"valor", "must be a finite number"}});
  p.valor = -std::numeric_limits<double>::infinity();
  CHECK(validate_reading_create(p) == field_errors{{"valor", "must be a finite number"}});
  p.valor = std::numeric_limits<double>::max();
  CHECK(validate_reading_create(p).empty());

  p = good_reading();
  p.unidad = std::optional<std::string>{chars(32, "°")};
  CHECK(validate_reading_create(p).empty());
  p.unidad = std::optional<std::string>{chars(33)};
  CHECK(validate_reading_create(p) == field_errors{{"unidad", "must be at most 32 characters"}});
  p.unidad = std::optional<std::string>{};
  CHECK(validate_reading_create(p).empty());
  p.timestamp = timestamp{};
  CHECK(validate_reading_create(p).empty());  // timestamp is optional
}

TEST_CASE("lectura update: only present fields") {
  CHECK(validate_reading_update(reading_patch{}).empty());
  reading_patch p;
  p.valor = 1.0;
  CHECK(validate_reading_update(p).empty());
  p.sensor_id = 0;
  p.valor = std::nan("");
  p.unidad = std::optional<std::string>{chars(40)};
  CHECK(validate_reading_update(p) == field_errors{{"sensor_id", "must be a positive integer"},
                                                   {"valor", "must be a finite number"},
                                                   {"unidad", "must be at most 32 characters"}});
}

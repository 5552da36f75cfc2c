// SPDX-License-Identifier: MIT
#include "sensorhub/validation.hpp"

#include <cmath>

#include "json/utf8.hpp"

namespace sensorhub {

namespace {

constexpr std::size_t tipo_max = 64;
constexpr std::size_t modelo_max = 128;
constexpr std::size_t ubicacion_max = 256;
constexpr std::size_t unidad_max = 32;

// Checks a string field's encoding and length (min..max code points).
void check_text(field_errors& errs, const char* field, const std::string& s, std::size_t min,
                std::size_t max, const char* reason) {
  if (!detail::valid_utf8(s)) {
    errs.emplace(field, "must be valid UTF-8");
    return;
  }
  const std::size_t n = code_points(s);
  if (n < min || n > max) errs.emplace(field, reason);
}

void check_sensor(field_errors& errs, const sensor_patch& p, bool create) {
  if (p.tipo) {
    check_text(errs, "tipo", *p.tipo, 1, tipo_max, "must be 1..64 characters");
  } else if (create) {
    errs.emplace("tipo", "required");
  }
  if (p.modelo) {
    check_text(errs, "modelo", *p.modelo, 1, modelo_max, "must be 1..128 characters");
  } else if (create) {
    errs.emplace("modelo", "required");
  }
  if (p.ubicacion && *p.ubicacion) {
    check_text(errs, "ubicacion", **p.ubicacion, 0, ubicacion_max,
               "must be at most 256 characters");
  }
}

void check_reading(field_errors& errs, const reading_patch& p, bool create) {
  if (p.sensor_id) {
    if (*p.sensor_id <= 0) errs.emplace("sensor_id", "must be a positive integer");
  } else if (create) {
    errs.emplace("sensor_id", "required");
  }
  if (p.valor) {
    if (!std::isfinite(*p.valor)) errs.emplace("valor", "must be a finite number");
  } else if (create) {
    errs.emplace("valor", "required");
  }
  if (p.unidad && *p.unidad) {
    check_text(errs, "unidad", **p.unidad, 0, unidad_max, "must be at most 32 characters");
  }
}

}  // namespace

field_errors validate_sensor_create(const sensor_patch& p) {
  field_errors errs;
  check_sensor(errs, p, true);
  return errs;
}

field_errors validate_sensor_update(const sensor_patch& p) {
  field_errors errs;
  check_sensor(errs, p, false);
  return errs;
}

field_errors validate_reading_create(const reading_patch& p) {
  field_errors errs;
  check_reading(errs, p, true);
  return errs;
}

field_errors validate_reading_update(const reading_patch& p) {
  field_errors errs;
  check_reading(errs, p, false);
  return errs;
}

std::size_t code_points(std::string_view utf8) noexcept {
  std::size_t n = 0;
  for (char c : utf8) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

#include "sensorhub/error.hpp"
#include "sensorhub/model.hpp"

namespace sensorhub {

// Field-level checks of SPEC §1. Each returns the errors it found (empty when
// valid); the caller turns a non-empty result into a validation_error.
// Lengths count Unicode code points of valid UTF-8.

field_errors validate_sensor_create(const sensor_patch& p);
field_errors validate_sensor_update(const sensor_patch& p);
field_errors validate_reading_create(const reading_patch& p);
field_errors validate_reading_update(const reading_patch& p);

// Number of code points in valid UTF-8 text.
std::size_t code_points(std::string_view utf8) noexcept;

}  // namespace sensorhub

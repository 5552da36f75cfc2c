// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <stdexcept>
#include <string>

namespace sensorhub {

// Error codes. Each maps to one SPEC §2 error code and HTTP status
// (see error_code_name / http_status).
enum class errc {
  invalid_json,            // 400 malformed JSON, NaN literal, bad UTF-8, too deep
  invalid_parameter,       // 400 bad query/path parameter
  not_found,               // 404
  method_not_allowed,      // 405
  length_required,         // 411
  payload_too_large,       // 413
  unsupported_media_type,  // 415
  validation_failed,       // 422 (see validation_error::fields)
  unauthorized,            // 401
  forbidden,               // 403
  rate_limited,            // 429
  unavailable,             // 503
  storage,                 // 500 database failure
  internal,                // 500
};

// "invalid_json", "not_found", ... as written in the JSON error body.
const char* error_code_name(errc code) noexcept;
// The HTTP status SPEC §2 assigns to the code.
int http_status(errc code) noexcept;

// field name -> human reason, the 422 "fields" object.
using field_errors = std::map<std::string, std::string>;

// The library's exception: a runtime_error with a code (like SQLite::Exception).
class error : public std::runtime_error {
 public:
  error(errc code, const std::string& detail) : std::runtime_error(detail), code_(code) {}
  errc code() const noexcept { return code_; }

 private:
  errc code_;
};

// A 422: the input was well-formed JSON but broke the model's rules.
class validation_error : public error {
 public:
  explicit validation_error(field_errors fields, const std::string& detail = "validation failed")
      : error(errc::validation_failed, detail), fields_(std::move(fields)) {}
  const field_errors& fields() const noexcept { return fields_; }

 private:
  field_errors fields_;
};

}  // namespace sensorhub

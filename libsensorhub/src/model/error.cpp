// SPDX-License-Identifier: MIT
#include "sensorhub/error.hpp"

namespace sensorhub {

const char* error_code_name(errc code) noexcept {
  switch (code) {
    case errc::invalid_json:
      return "invalid_json";
    case errc::invalid_parameter:
      return "invalid_parameter";
    case errc::not_found:
      return "not_found";
    case errc::method_not_allowed:
      return "method_not_allowed";
    case errc::length_required:
      return "length_required";
    case errc::payload_too_large:
      return "payload_too_large";
    case errc::unsupported_media_type:
      return "unsupported_media_type";
    case errc::validation_failed:
      return "validation_failed";
    case errc::unauthorized:
      return "unauthorized";
    case errc::forbidden:
      return "forbidden";
    case errc::rate_limited:
      return "rate_limited";
    case errc::unavailable:
      return "unavailable";
    case errc::storage:
    case errc::internal:
      return "internal_error";
  }
  return "internal_error";
}

int http_status(errc code) noexcept {
  switch (code) {
    case errc::invalid_json:
    case errc::invalid_parameter:
      return 400;
    case errc::not_found:
      return 404;
    case errc::method_not_allowed:
      return 405;
    case errc::length_required:
      return 411;
    case errc::payload_too_large:
      return 413;
    case errc::unsupported_media_type:
      return 415;
    case errc::validation_failed:
      return 422;
    case errc::unauthorized:
      return 401;
    case errc::forbidden:
      return 403;
    case errc::rate_limited:
      return 429;
    case errc::unavailable:
      return 503;
    case errc::storage:
    case errc::internal:
      return 500;
  }
  return 500;
}

}  // namespace sensorhub

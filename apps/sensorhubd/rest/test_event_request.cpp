// SPDX-License-Identifier: MIT
#include "rest/test_event_request.hpp"

#include <utility>

#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"

namespace sensorhubd {

namespace {

using sensorhub::field_errors;
using sensorhub::json_field;

// A hostile body cannot make us allocate much more than it is long.
constexpr std::size_t max_values = 100000;
constexpr const char* channel_reason = "must be one of sensors, readings, general";

[[noreturn]] void reject(field_errors errs) {
  std::string detail = "invalid message:";
  for (const auto& [field, why] : errs) detail += " " + field + ": " + why + ";";
  detail.pop_back();
  throw sensorhub::validation_error(std::move(errs), detail);
}

// Applies one top-level member to r; a problem goes to errs.
void apply(const std::string& key, const json_field& value, test_event_request& r,
           field_errors& errs) {
  if (key == "channel") {
    const auto c = value.type == json_field::kind::string ? sensorhub::parse_channel(value.text)
                                                          : std::nullopt;
    if (c) {
      r.chan = *c;
    } else {
      errs.emplace(key, channel_reason);
    }
  } else if (key == "message") {
    if (value.type == json_field::kind::string) {
      r.message = value.text;
    } else {
      errs.emplace(key, "must be a string");
    }
  } else if (key == "data") {
    if (value.type != json_field::kind::object) {
      errs.emplace(key, "must be an object");
    } else if (!value.finite) {
      errs.emplace(key, "number out of range");  // kept as sent: no reader could hold it
    } else {
      r.data_json = value.text;
    }
  } else {
    errs.emplace(key, "unknown field");
  }
}

}  // namespace

test_event_request parse_test_event_request(std::string_view body) {
  test_event_request r;
  field_errors errs;
  bool have_channel = false;
  for (const auto& [key, value] : sensorhub::parse_json_object(body, max_values)) {
    have_channel = have_channel || key == "channel";
    apply(key, value, r, errs);
  }
  if (!have_channel) errs.emplace("channel", "required");
  if (!errs.empty()) reject(std::move(errs));
  return r;
}

}  // namespace sensorhubd

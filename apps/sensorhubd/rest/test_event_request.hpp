// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

#include "sensorhub/event.hpp"

namespace sensorhubd {

// POST /api/v1/ws/test-event body (SPEC §4):
// {"channel":"sensors","message":"...","data":{...}}.
struct test_event_request {
  sensorhub::channel chan = sensorhub::channel::general;
  std::string message;
  std::string data_json = "{}";  // `data` re-serialized compactly, numbers as sent
};

// Parses untrusted bytes like the core's codec: iterative, UTF-8 validated
// (lone surrogates rejected), NaN/Infinity and duplicate keys rejected,
// nesting capped at sensorhub::json_max_depth. Malformed JSON throws
// sensorhub::error(invalid_json); a well-formed body with missing, unknown or
// wrong fields (or a number beyond double range in `data`) throws
// sensorhub::validation_error naming the fields. Thread-safe.
test_event_request parse_test_event_request(std::string_view body);

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sensorhub/event.hpp"
#include "sensorhub/liveness.hpp"
#include "sensorhub/model.hpp"

namespace sensorhub {

// JSON codec for entities and events (RapidJSON stays inside src/).
//
// Parsing treats its input as hostile: iterative parse with a nesting cap
// (json_max_depth), UTF-8 validated (lone surrogates rejected), NaN/Infinity
// rejected, numbers checked. Malformed input throws error(errc::invalid_json);
// well-formed input with wrong types, unknown fields or out-of-range numbers
// (1e999) throws validation_error naming the fields. No type coercion.
// Required fields and lengths are checked by validation.hpp, not here.
// All functions are thread-safe (no shared state).

inline constexpr int json_max_depth = 64;

sensor_patch parse_sensor_patch(std::string_view body);
reading_patch parse_reading_patch(std::string_view body);
// A JSON array of reading objects; more than max_items -> validation_error
// (field "items"); errors of item i are reported as "[i].field".
std::vector<reading_patch> parse_reading_batch(std::string_view body,
                                               std::size_t max_items = max_batch_items);

std::string to_json(const sensor& s);
std::string to_json(const reading& l);
std::string to_json(const std::vector<sensor>& list);
std::string to_json(const std::vector<reading>& list);
std::string to_json(const batch_result& r);
// The agg answer of SPEC §13: an array of bucket objects.
std::string to_json(const std::vector<agg_bucket>& buckets);
// The status answer of SPEC §13 (nulls when the sensor has no reading).
std::string to_json(const sensor_status& s);

// The exact wire text of SPEC §3 for one event.
std::string encode_entity_event(std::uint64_t seq, timestamp at, const entity_change& change);
std::string encode_system_event(std::uint64_t seq, timestamp at, const system_change& change);
// data_json must be a serialized JSON object.
std::string encode_test_event(std::string_view channel, std::string_view message,
                              std::string_view data_json, timestamp at);

// Builds the full event (filter keys + serialized json) in one go.
event make_entity_event(std::uint64_t seq, timestamp at, const entity_change& change);
event make_system_event(std::uint64_t seq, timestamp at, const system_change& change);
event make_test_event(channel chan, std::string_view message, std::string_view data_json,
                      timestamp at);

// Writes `text` as a JSON string literal (quotes and escapes included).
std::string quote_json(std::string_view text);

// One member value of an untrusted JSON object (parse_json_object).
struct json_field {
  enum class kind { null, boolean, number, string, array, object };
  kind type = kind::null;
  std::string text;    // a string: its decoded text; otherwise compact JSON, numbers as written
  bool finite = true;  // every number in the value is a finite double (1e999 is not)
};

// The reader behind every body the core parses, for other JSON bodies (the
// daemon's test-event request, an embedder's own): `text` must be one JSON
// object, read with the rules above (iterative, json_max_depth, UTF-8,
// no NaN, no duplicate keys) and at most `max_values` values in all. Returns
// the members in document order. Throws error(errc::invalid_json) for
// malformed text; validation_error on "body" for another JSON type or too
// many values.
std::vector<std::pair<std::string, json_field>> parse_json_object(std::string_view text,
                                                                  std::size_t max_values);

}  // namespace sensorhub

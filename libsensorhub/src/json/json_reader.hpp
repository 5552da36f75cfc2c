// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sensorhub::detail {

// A parsed JSON value owned by value. Numbers keep their raw text (checked
// by to_double/to_int64 when a field needs them); object members keep
// document order. Plain value type; not shared between threads.
struct json_value {
  enum class kind : unsigned char { null, boolean, number, string, array, object };

  kind type = kind::null;
  bool boolean = false;
  std::string text;  // string contents (valid UTF-8) or the raw number text
  std::vector<std::pair<std::string, json_value>> members;  // object
  std::vector<json_value> items;                            // array

  bool is_null() const noexcept { return type == kind::null; }
  bool is_bool() const noexcept { return type == kind::boolean; }
  bool is_number() const noexcept { return type == kind::number; }
  bool is_string() const noexcept { return type == kind::string; }
  bool is_array() const noexcept { return type == kind::array; }
  bool is_object() const noexcept { return type == kind::object; }
};

struct json_limits {
  int max_depth = 64;  // containers nested deeper -> invalid_json
  // Total values allowed in the document; exceeding it throws
  // error(validation_failed) naming `overflow_field` ("body" by default).
  std::size_t max_values = std::numeric_limits<std::size_t>::max();
  std::string overflow_field = "body";
  std::string overflow_reason = "too many JSON values";
};

// Parses untrusted bytes without recursion: RapidJSON SAX, iterative, UTF-8
// validated, NaN/Infinity rejected, every decoded string checked for valid
// UTF-8 without surrogates, duplicate object keys rejected. Throws
// error(errc::invalid_json) with a short detail on anything malformed.
json_value parse_json(std::string_view text, const json_limits& limits = {});

// The number as a finite double; nullopt when it overflows (1e999) or
// underflows below the smallest denormal.
std::optional<double> to_double(const json_value& v) noexcept;
// The number as int64 when it is written as an integer (no fraction, no
// exponent) within range; nullopt otherwise.
std::optional<std::int64_t> to_int64(const json_value& v) noexcept;
// True when the raw number text is integer syntax ("-12", not "1.0"/"1e2").
bool is_integer_syntax(const json_value& v) noexcept;

// Serializes a parsed value back to compact JSON (numbers as written).
void write_json(std::string& out, const json_value& v);

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/filter.hpp"

namespace sensorhub {

// Query strings of WebSocket handshakes and REST requests (SPEC §3, §6):
// decoding, the filter keys, and the number syntax of ids and counters.
// All functions are thread-safe (no shared state).

// Decoded query string: key -> values in order (repeated keys kept).
using query_params = std::multimap<std::string, std::string>;

// Splits and percent-decodes "a=1&b=2&a=3". Throws error(invalid_parameter)
// on bad percent-encoding or invalid UTF-8.
query_params parse_query_string(std::string_view query);

// All values of `key`, with comma-separated values split.
std::vector<std::string> param_values(const query_params& q, const std::string& key);

// Filter keys of SPEC §6 from query parameters (entity_id, sensor_id,
// event_type, tipo). Throws error(invalid_parameter) on malformed values.
event_filter parse_filter_params(const query_params& q);

// The `conflate` query parameter (SPEC §11; WebSocket and SSE): absent ->
// false; "true" or "false" once; anything else (or given twice) throws
// error(invalid_parameter).
bool parse_conflate_param(const query_params& q);

// Parses a positive 64-bit id ("abc", "0", "-1", overflow -> nullopt).
std::optional<std::int64_t> parse_id(std::string_view text) noexcept;
// Parses a non-negative integer (no sign, no spaces, no overflow).
std::optional<std::uint64_t> parse_uint(std::string_view text) noexcept;

}  // namespace sensorhub

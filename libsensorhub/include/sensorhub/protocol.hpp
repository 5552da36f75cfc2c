#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/filter.hpp"
#include "sensorhub/stats.hpp"
#include "sensorhub/time.hpp"

namespace sensorhub {

// The WebSocket protocol of SPEC §3 and the JSON bodies of SPEC §2/§4 that
// are not entities: encoders for server messages and a parser for client
// messages, shared by every transport. Thread-safe (no shared state).

// ---- server -> client -------------------------------------------------------
std::string encode_connection_established(std::string_view client_id,
                                          const std::vector<channel>& channels,
                                          std::string_view server, timestamp at);
std::string encode_stats_object(const hub_stats& s);  // the /ws/stats body
std::string encode_stats_message(const hub_stats& s, timestamp at);
std::string encode_channel_stats(channel c, const channel_stats& s);  // /ws/stats/{channel}
std::string encode_pong(timestamp at);
std::string encode_subscribed(const std::vector<channel>& channels);
std::string encode_unsubscribed(const std::vector<channel>& channels);
std::string encode_ws_error(std::string_view code, std::string_view detail);
std::string encode_resume_failed(std::uint64_t oldest_seq);
// data_json is a serialized JSON array.
std::string encode_snapshot(std::uint64_t seq, channel c, std::string_view data_json);

// ---- client -> server -------------------------------------------------------
enum class client_message_type { ping, get_stats, subscribe, unsubscribe };

struct client_message {
  client_message_type type = client_message_type::ping;
  std::optional<channel> chan;         // subscribe/unsubscribe (required there)
  event_filter filter;                 // subscribe
  std::optional<std::uint64_t> since;  // subscribe: resume
  bool snapshot = false;               // subscribe
};

// Throws error(errc::invalid_json) for malformed JSON and
// error(errc::validation_failed) (a validation_error) for a well-formed
// message that is not one of the four (unknown type, bad channel, bad filter).
client_message parse_client_message(std::string_view text);

// POST /ws/test-event body: {"channel":"sensors","message":"...","data":{...}}.
struct test_event_request {
  channel chan = channel::general;
  std::string message;
  std::string data_json = "{}";  // re-serialized object
};
test_event_request parse_test_event_request(std::string_view body);

// ---- query parameters -------------------------------------------------------
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

// Parses a positive 64-bit id ("abc", "0", "-1", overflow -> nullopt).
std::optional<std::int64_t> parse_id(std::string_view text) noexcept;
// Parses a non-negative integer (no sign, no spaces, no overflow).
std::optional<std::uint64_t> parse_uint(std::string_view text) noexcept;

}  // namespace sensorhub

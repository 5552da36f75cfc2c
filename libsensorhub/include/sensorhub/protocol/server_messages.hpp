// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sensorhub/event.hpp"
#include "sensorhub/stats.hpp"
#include "sensorhub/time.hpp"

namespace sensorhub {

// Encoders for the server -> client messages of SPEC §3 (events themselves
// are encoded by codec.hpp). Each returns one compact JSON text.
// Thread-safe (no shared state).

std::string encode_connection_established(std::string_view client_id,
                                          const std::vector<channel>& channels,
                                          std::string_view server, timestamp at);
// The stats object: the `data` of the `stats` message, also served as the
// body of GET /api/v1/ws/stats so that both stay one shape.
std::string encode_stats_object(const hub_stats& s);
std::string encode_stats_message(const hub_stats& s, timestamp at);
std::string encode_pong(timestamp at);
std::string encode_subscribed(const std::vector<channel>& channels);
std::string encode_unsubscribed(const std::vector<channel>& channels);
std::string encode_ws_error(std::string_view code, std::string_view detail);
std::string encode_resume_failed(std::uint64_t oldest_seq);
// data_json is a serialized JSON array.
std::string encode_snapshot(std::uint64_t seq, channel c, std::string_view data_json);

}  // namespace sensorhub

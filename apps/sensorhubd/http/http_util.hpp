// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

#include "sensorhub/error.hpp"
#include "sensorhub/protocol.hpp"
#include "sensorhub/time.hpp"
#include "sensorhub/transports/http.hpp"
#include "sensorhub/transports/websocket.hpp"

namespace sensorhubd {

using sensorhub::http_request;
using sensorhub::http_responder;
using sensorhub::http_response;

using sensorhub::error_response;
using sensorhub::json_response;
// Maps a caught exception to its SPEC §2 answer (validation_error -> 422,
// sensorhub::error -> its status, anything else -> 500).
http_response error_from_exception(const std::exception_ptr& e);

// "application/json", optionally with "; charset=utf-8" (any case).
bool is_json_content_type(std::string_view content_type);

// ---- query and path parameters (throw sensorhub::error / validation_error) ----
sensorhub::query_params parse_query(const http_request& req);
// The one value of `key`, nullopt when absent; repeated -> 400.
std::optional<std::string> single_param(const sensorhub::query_params& q, const std::string& key);
// `limit`: default 100; not a number -> 400; 0 or above 1000 -> 422.
std::size_t limit_param(const sensorhub::query_params& q);
// `offset`: default 0; not a number or out of range -> 400.
std::size_t offset_param(const sensorhub::query_params& q);
// An RFC 3339 time, nullopt when absent; malformed -> 400.
std::optional<sensorhub::timestamp> time_param(const sensorhub::query_params& q,
                                               const std::string& key);
// A positive id, nullopt when absent; malformed -> 400.
std::optional<std::int64_t> id_param(const sensorhub::query_params& q, const std::string& key);
// An id in the path ("abc", "0", "-1", huge -> 400 invalid_parameter).
std::int64_t path_id(const std::string& segment);

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "sensorhub/logger.hpp"

namespace sensorhubd {

using log_level = sensorhub::log_level;  // the project's one scale

// Structured log lines on stderr (stdout carries only the "listening on"
// line):  ts=2025-07-20T05:34:11.378577+00:00 level=info msg="..." key=value
// Values with spaces, quotes or '=' are quoted. Thread-safe (one line per call).
using log_fields = std::initializer_list<std::pair<std::string_view, std::string_view>>;

void log(log_level level, std::string_view msg, log_fields fields = {});
void set_min_log_level(log_level level);
const char* log_level_name(log_level level);

}  // namespace sensorhubd

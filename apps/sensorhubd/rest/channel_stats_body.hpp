// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "sensorhub/event.hpp"
#include "sensorhub/stats.hpp"

namespace sensorhubd {

// Body of GET /api/v1/ws/stats/{channel} (SPEC §4):
// {"channel":"sensors","connections":N,"messages_sent":N,"conflated":N}. Thread-safe.
std::string encode_channel_stats(sensorhub::channel c, const sensorhub::channel_stats& s);

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstdint>

#include "sensorhub/event.hpp"
#include "sensorhub/latency_histogram.hpp"

namespace sensorhub {

// Counters behind GET /ws/stats (SPEC §4). A plain snapshot, safe to copy.
struct channel_stats {
  std::uint64_t connections = 0;    // live subscriptions on the channel
  std::uint64_t messages_sent = 0;  // events delivered on the channel
  std::uint64_t conflated = 0;      // queued events replaced by a newer one (SPEC §11)
};

struct hub_stats {
  std::uint64_t total_connections = 0;      // distinct subscribers
  std::array<channel_stats, 3> channels{};  // indexed by channel
  std::uint64_t events_published = 0;
  std::uint64_t last_seq = 0;
  std::uint64_t uptime_s = 0;
  std::uint64_t dropped_subscribers = 0;  // closed as slow consumers
  std::uint64_t stale_sensors = 0;        // after the liveness checker's last pass (SPEC §13)
  // Time events waited in subscribers' queues (publish to hand-off to the
  // transport); empty for a bus that does not measure it.
  latency_snapshot delivery_queue_time{};

  channel_stats& of(channel c) noexcept { return channels[static_cast<int>(c)]; }
  const channel_stats& of(channel c) const noexcept { return channels[static_cast<int>(c)]; }
};

}  // namespace sensorhub

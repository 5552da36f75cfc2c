// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ceiling {

// The JSON the ceiling sends, shaped like sensorhubd's (SPEC sections 1, 3
// and 4). Free functions, no state; RapidJSON does the escaping.

// A sensor as the REST answer and the entity event carry it.
struct sensor {
  std::int64_t id = 0;
  std::string tipo = "bench";
  std::string modelo;
  std::optional<std::string> ubicacion;
  bool activo = true;
  std::string created_at;
  std::string updated_at;
};

// Server counters for a stats message.
struct stats_snapshot {
  std::uint64_t connections = 0;
  std::uint64_t messages_sent = 0;
  std::uint64_t events_published = 0;
  std::int64_t last_seq = 0;
  double uptime_s = 0;
};

// RFC 3339 UTC with microseconds, e.g. 2025-07-20T05:34:11.378577+00:00.
std::string now_rfc3339();

// Reads tipo/modelo/ubicacion/activo from a JSON body into `s`, listing the
// fields present in `fields`. False unless the body is a JSON object and,
// when `create`, has a string modelo.
bool read_sensor_body(std::string_view body, bool create, sensor& s,
                      std::vector<std::string>& fields);

std::string sensor_json(const sensor& s);

// entity_event for a created sensor (fields empty) or an updated one.
std::string entity_event_json(std::int64_t seq, const sensor& s,
                              const std::vector<std::string>& fields, const std::string& ts);

// The first greeting: connection_established with the query's channels.
std::string connection_established_json(std::uint64_t client_id, std::string_view query);

std::string stats_json(const stats_snapshot& s);
std::string stats_message_json(const stats_snapshot& s);

}  // namespace ceiling

#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sensorhub/model.hpp"
#include "sensorhub/time.hpp"

namespace sensorhub {

// The three channels of the original system.
enum class channel { sensors, readings, general };
inline constexpr channel all_channels[] = {channel::sensors, channel::readings, channel::general};

const char* channel_name(channel c) noexcept;  // "sensors", ...
std::optional<channel> parse_channel(std::string_view name) noexcept;

enum class event_kind { entity, system, test };
enum class entity_kind { none, sensor, reading };
enum class event_type { created, updated, deleted };

const char* entity_kind_name(entity_kind k) noexcept;  // "sensor", "lectura"
const char* event_type_name(event_type t) noexcept;    // "created", ...
std::optional<event_type> parse_event_type(std::string_view name) noexcept;

// A published event: serialized to JSON exactly once, shared by every
// subscriber and transport. The scalar fields are the keys filters match on;
// `json` is the exact wire text (SPEC §3). Cheap to copy (one shared_ptr).
struct event {
  std::uint64_t seq = 0;  // 0 only for test_event (never persisted)
  channel chan = channel::general;
  event_kind kind = event_kind::system;
  entity_kind entity = entity_kind::none;
  event_type type = event_type::created;
  std::int64_t entity_id = 0;
  std::int64_t sensor_id = 0;  // the sensor's id, or the reading's sensor_id
  std::string tipo;            // the sensor's tipo (for readings: their sensor's)
  std::string name;            // system events: "server_started", ...
  std::shared_ptr<const std::string> json;
};

// What a write did to one entity; the repository turns it into an event
// (assigning seq and timestamp) inside the write's transaction.
struct entity_change {
  event_type type = event_type::created;
  std::variant<sensor, reading> data;            // after the change; for deleted, as it was
  std::vector<std::string> updated_fields;       // only for updated
  std::optional<std::int64_t> readings_deleted;  // sensor deleted: always set
  std::string tipo;                              // for readings: their sensor's tipo
};

// A system event on `general`: {"type":"system_event","event":name,...}.
struct system_change {
  std::string name;
  std::string data_json = "{}";  // a JSON object, already serialized
};

}  // namespace sensorhub

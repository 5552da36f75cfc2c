// SPDX-License-Identifier: MIT
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
// scope_left and scope_entered are never stored: they are how a sensor
// update that moved the sensor out of / into a data scope looks to that
// scope (data_scope.hpp). A filter on `deleted` matches scope_left, one on
// `created` matches scope_entered.
enum class event_type { created, updated, deleted, scope_left, scope_entered };

const char* entity_kind_name(entity_kind k) noexcept;  // "sensor", "lectura"
const char* event_type_name(event_type t) noexcept;    // "created", ..., "scope_left"
// The types a client may name in a filter: created, updated, deleted.
std::optional<event_type> parse_event_type(std::string_view name) noexcept;

// What a data scope matches a sensor on besides its id.
struct scope_keys {
  std::string tipo;
  std::optional<std::string> ubicacion;
};

struct scope_move;  // below

// A published event: serialized to JSON exactly once, shared by every
// subscriber and transport. The scalar fields are the keys filters match on;
// `json` is the exact wire text (SPEC §3). Cheap to copy (shared pointers
// and short strings; nothing is serialized again).
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
  // Entity events: the sensor's ubicacion at commit (for readings: their
  // sensor's); null when it was null. Shared, so that copying an event per
  // subscriber never allocates for it.
  std::shared_ptr<const std::string> ubicacion;
  // Sensor `updated` events that changed tipo or ubicacion: the keys before
  // and the two prebuilt views (null for every other event, so copying an
  // event costs nothing more).
  std::shared_ptr<const scope_move> moved;
  // Set by queued_subscriber when it queues its copy: steady_clock
  // nanoseconds of the publish call (read once per call by local_event_bus),
  // for the delivery queue time metric; 0: not known.
  std::int64_t queued_ns = 0;
};

// A sensor update that changed its scope keys, built once when the event is
// made (at commit, or when read back from the event log): the keys before
// the change and the event as scopes it left / entered see it (same seq,
// event_type scope_left / scope_entered, their own serialized JSON whose
// data is the entity after the change). `left` carries the keys before
// (tipo, ubicacion), so a filter that admitted the sensor admits its
// departure; `entered` carries the keys after.
struct scope_move {
  scope_keys before;
  event left;
  event entered;
};

// What a write did to one entity; the repository turns it into an event
// (assigning seq and timestamp) inside the write's transaction.
struct entity_change {
  event_type type = event_type::created;
  std::variant<sensor, reading> data;            // after the change; for deleted, as it was
  std::vector<std::string> updated_fields;       // only for updated
  std::optional<std::int64_t> readings_deleted;  // sensor deleted: always set
  std::string tipo;                              // for readings: their sensor's tipo
  std::optional<std::string> ubicacion;          // for readings: their sensor's ubicacion
  std::optional<scope_keys> before;              // sensor updated: tipo/ubicacion before
};

// A system event on `general`: {"type":"system_event","event":name,...}.
struct system_change {
  std::string name;
  std::string data_json = "{}";  // a JSON object, already serialized
};

}  // namespace sensorhub

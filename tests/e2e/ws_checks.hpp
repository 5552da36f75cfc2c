// SPDX-License-Identifier: MIT
#pragma once

// Shape checks for the WebSocket messages of SPEC §3 and the stats of §4.
// Each returns "" when the message matches, else what differs.

#include <set>
#include <string>

#include "support/json.hpp"

namespace sensorhub::e2e {

inline std::string stats_object_problem(jv s) {
  std::string why;
  const std::set<std::string> top = {"total_connections", "channels", "events_published",
                                     "last_seq", "uptime_s"};
  if (s.keys() != top) why += "stats keys " + s.dump() + "; ";
  if (!s["total_connections"].is_int()) why += "total_connections not int; ";
  if (!s["events_published"].is_int()) why += "events_published not int; ";
  if (!s["last_seq"].is_int()) why += "last_seq not int; ";
  if (!s["uptime_s"].is_number()) why += "uptime_s not a number; ";
  if (s["channels"].keys() != std::set<std::string>{"sensors", "readings", "general"}) {
    why += "channels keys " + s["channels"].dump() + "; ";
  }
  for (const char* ch : {"sensors", "readings", "general"}) {
    const jv c = s["channels"][ch];
    if (c.keys() != std::set<std::string>{"connections", "messages_sent", "conflated"} ||
        !c["connections"].is_int() || !c["messages_sent"].is_int() || !c["conflated"].is_int()) {
      why += std::string("channel ") + ch + " " + c.dump() + "; ";
    }
  }
  return why;
}

// Checks an entity_event. fields_updated: expected list for "updated" events
// (compared as given); readings_deleted: expected for sensor "deleted" events.
inline std::string entity_event_problem(const json_doc& e, const std::string& channel,
                                        const std::string& entity_type,
                                        const std::string& event_type, std::int64_t entity_id) {
  std::string why;
  if (!e.ok()) return "not JSON: " + e.error() + " " + e.text();
  const std::set<std::string> keys = {"type",      "seq",  "channel",   "entity_type", "event_type",
                                      "entity_id", "data", "timestamp", "metadata"};
  if (e.root().keys() != keys) why += "keys; ";
  if (e["type"].str() != "entity_event") why += "type " + e["type"].str() + "; ";
  if (!e["seq"].is_int() || e["seq"].i64().value_or(0) <= 0) why += "seq; ";
  if (e["channel"].str() != channel) why += "channel " + e["channel"].str() + "; ";
  if (e["entity_type"].str() != entity_type) why += "entity_type " + e["entity_type"].str() + "; ";
  if (e["event_type"].str() != event_type) why += "event_type " + e["event_type"].str() + "; ";
  if (e["entity_id"].i64() != entity_id) why += "entity_id " + e["entity_id"].dump() + "; ";
  if (e["data"]["id"].i64() != entity_id) why += "data.id " + e["data"]["id"].dump() + "; ";
  if (!is_server_time(e["timestamp"].str())) why += "timestamp " + e["timestamp"].str() + "; ";
  const std::string verb = event_type == "created"   ? "create_"
                           : event_type == "updated" ? "update_"
                                                     : "delete_";
  if (e["metadata"]["action"].str() != verb + entity_type) {
    why += "metadata.action " + e["metadata"]["action"].str() + "; ";
  }
  const bool upd = event_type == "updated";
  if (e["data"]["updated_fields"].exists() != upd) why += "data.updated_fields presence; ";
  if (e["metadata"]["fields_updated"].exists() != upd) why += "metadata.fields_updated presence; ";
  if (upd && e["data"]["updated_fields"].strings() != e["metadata"]["fields_updated"].strings()) {
    why += "updated_fields != fields_updated; ";
  }
  const bool sensor_deleted = entity_type == "sensor" && event_type == "deleted";
  if (e["metadata"]["readings_deleted"].exists() != sensor_deleted) {
    why += "metadata.readings_deleted presence; ";
  }
  if (!why.empty()) why += "event: " + e.text();
  return why;
}

// True if `data` (an event's data) equals `entity` apart from updated_fields.
inline bool same_entity(jv data, jv entity) {
  std::set<std::string> dk = data.keys();
  dk.erase("updated_fields");
  if (dk != entity.keys()) return false;
  for (const auto& k : dk) {
    if (!json_equal(data[k], entity[k])) return false;
  }
  return true;
}

}  // namespace sensorhub::e2e

// SPDX-License-Identifier: MIT
#include "message.hpp"

#include <rapidjson/document.h>

#include <utility>

namespace sensorhub::client::detail {

namespace {

std::string str(const rapidjson::Value& obj, const char* key) {
  const auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsString()) return {};
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::optional<std::int64_t> i64(const rapidjson::Value& obj, const char* key) {
  const auto it = obj.FindMember(key);
  if (it == obj.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
  return it->value.GetInt64();
}

}  // namespace

message parse_message(std::string json) {
  message m;
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError() || !d.IsObject()) {
    m.kind = message::type::malformed;
    m.text = "not a JSON object: " + json.substr(0, 200);
    return m;
  }
  const std::string type = str(d, "type");
  event& ev = m.ev;
  if (type == "entity_event") {
    ev.kind = event_kind::entity;
    ev.seq = i64(d, "seq");
    ev.channel = str(d, "channel");
    ev.entity_type = str(d, "entity_type");
    ev.event_type = str(d, "event_type");
    ev.entity_id = i64(d, "entity_id").value_or(0);
    if (!ev.seq) {
      m.kind = message::type::malformed;
      m.text = "entity_event without seq";
      return m;
    }
  } else if (type == "system_event") {
    ev.kind = event_kind::system;
    ev.seq = i64(d, "seq");
    ev.channel = "general";
    ev.event_type = str(d, "event");
  } else if (type == "test_event") {
    ev.kind = event_kind::test;
    ev.channel = str(d, "channel");
  } else if (type == "snapshot") {
    ev.kind = event_kind::snapshot;
    ev.seq = i64(d, "seq");
    ev.channel = str(d, "channel");
  } else if (type == "resume_failed") {
    ev.kind = event_kind::resume_failed;
    ev.event_type = str(d, "reason");
    ev.oldest_seq = i64(d, "oldest_seq");
  } else {
    if (type == "connection_established") {
      m.kind = message::type::greeting;
    } else if (type == "stats") {
      m.kind = message::type::stats;
      const auto data = d.FindMember("data");
      if (data != d.MemberEnd() && data->value.IsObject())
        m.stats_last_seq = i64(data->value, "last_seq");
    } else if (type == "pong") {
      m.kind = message::type::pong;
    } else if (type == "error") {
      m.kind = message::type::error;
      m.text = str(d, "error") + ": " + str(d, "detail");
    } else {
      m.kind = message::type::other;
    }
    return m;
  }
  m.kind = message::type::event;
  ev.json = std::move(json);
  return m;
}

}  // namespace sensorhub::client::detail

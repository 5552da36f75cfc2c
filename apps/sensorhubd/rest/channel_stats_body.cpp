// SPDX-License-Identifier: MIT
#include "rest/channel_stats_body.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sensorhubd {

std::string encode_channel_stats(sensorhub::channel c, const sensorhub::channel_stats& s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("channel");
  w.String(sensorhub::channel_name(c));
  w.Key("connections");
  w.Uint64(s.connections);
  w.Key("messages_sent");
  w.Uint64(s.messages_sent);
  w.Key("conflated");
  w.Uint64(s.conflated);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace sensorhubd

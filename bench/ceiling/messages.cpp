// SPDX-License-Identifier: MIT
#include "ceiling/messages.hpp"

#include <cstdio>
#include <ctime>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace ceiling {

namespace {

using writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_sensor(writer& w, const sensor& s, const std::vector<std::string>* fields) {
  w.StartObject();
  w.Key("id");
  w.Int64(s.id);
  w.Key("tipo");
  w.String(s.tipo.c_str(), static_cast<rapidjson::SizeType>(s.tipo.size()));
  w.Key("modelo");
  w.String(s.modelo.c_str(), static_cast<rapidjson::SizeType>(s.modelo.size()));
  w.Key("ubicacion");
  if (s.ubicacion) {
    w.String(s.ubicacion->c_str(), static_cast<rapidjson::SizeType>(s.ubicacion->size()));
  } else {
    w.Null();
  }
  w.Key("activo");
  w.Bool(s.activo);
  w.Key("created_at");
  w.String(s.created_at.c_str());
  w.Key("updated_at");
  w.String(s.updated_at.c_str());
  if (fields != nullptr) {
    w.Key("updated_fields");
    w.StartArray();
    for (const auto& f : *fields) w.String(f.c_str());
    w.EndArray();
  }
  w.EndObject();
}

// Values of channel=... in a query string, split at commas ("general" if none).
std::vector<std::string> query_channels(std::string_view query) {
  std::vector<std::string> out;
  while (!query.empty()) {
    const auto amp = query.find('&');
    std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (part.rfind("channel=", 0) != 0) continue;
    part.remove_prefix(8);
    while (!part.empty()) {
      const auto comma = part.find(',');
      out.emplace_back(part.substr(0, comma));
      part = comma == std::string_view::npos ? std::string_view{} : part.substr(comma + 1);
    }
  }
  if (out.empty()) out.emplace_back("general");
  return out;
}

}  // namespace

std::string now_rfc3339() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME, &ts);
  std::tm tm{};
  ::gmtime_r(&ts.tv_sec, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06d+00:00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ts.tv_nsec / 1000));
  return buf;
}

bool read_sensor_body(std::string_view body, bool create, sensor& s,
                      std::vector<std::string>& fields) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  for (const char* name : {"tipo", "modelo", "ubicacion"}) {
    const auto it = doc.FindMember(name);
    if (it == doc.MemberEnd()) continue;
    fields.emplace_back(name);
    if (!it->value.IsString()) continue;
    std::string v(it->value.GetString(), it->value.GetStringLength());
    if (name[0] == 't') s.tipo = std::move(v);
    if (name[0] == 'm') s.modelo = std::move(v);
    if (name[0] == 'u') s.ubicacion = std::move(v);
  }
  if (const auto it = doc.FindMember("activo"); it != doc.MemberEnd() && it->value.IsBool()) {
    s.activo = it->value.GetBool();
    fields.emplace_back("activo");
  }
  return !create || !s.modelo.empty();
}

std::string sensor_json(const sensor& s) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  write_sensor(w, s, nullptr);
  return std::string(buf.GetString(), buf.GetSize());
}

std::string entity_event_json(std::int64_t seq, const sensor& s,
                              const std::vector<std::string>& fields, const std::string& ts) {
  const bool created = fields.empty();
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  w.Key("type");
  w.String("entity_event");
  w.Key("seq");
  w.Int64(seq);
  w.Key("channel");
  w.String("sensors");
  w.Key("entity_type");
  w.String("sensor");
  w.Key("event_type");
  w.String(created ? "created" : "updated");
  w.Key("entity_id");
  w.Int64(s.id);
  w.Key("data");
  write_sensor(w, s, created ? nullptr : &fields);
  w.Key("timestamp");
  w.String(ts.c_str());
  w.Key("metadata");
  w.StartObject();
  w.Key("action");
  w.String(created ? "create_sensor" : "update_sensor");
  if (!created) {
    w.Key("fields_updated");
    w.StartArray();
    for (const auto& f : fields) w.String(f.c_str());
    w.EndArray();
  }
  w.EndObject();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string connection_established_json(std::uint64_t client_id, std::string_view query) {
  rapidjson::StringBuffer buf;
  writer w(buf);
  w.StartObject();
  w.Key("type");
  w.String("connection_established");
  w.Key("client_id");
  w.String(("c" + std::to_string(client_id)).c_str());
  w.Key("channels");
  w.StartArray();
  for (const auto& c : query_channels(query)) w.String(c.c_str());
  w.EndArray();
  w.Key("server");
  w.String("sensorhub-ceiling/1.0.0");
  w.Key("timestamp");
  w.String(now_rfc3339().c_str());
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

std::string stats_json(const stats_snapshot& s) {
  char buf[512];
  const int n = std::snprintf(
      buf, sizeof buf,
      R"({"total_connections":%llu,"channels":{"sensors":{"connections":%llu,"messages_sent":%llu},)"
      R"("readings":{"connections":0,"messages_sent":0},"general":{"connections":0,"messages_sent":0}},)"
      R"("events_published":%llu,"last_seq":%lld,"uptime_s":%.3f})",
      static_cast<unsigned long long>(s.connections),
      static_cast<unsigned long long>(s.connections),
      static_cast<unsigned long long>(s.messages_sent),
      static_cast<unsigned long long>(s.events_published), static_cast<long long>(s.last_seq),
      s.uptime_s);
  return std::string(buf, static_cast<std::size_t>(n));
}

std::string stats_message_json(const stats_snapshot& s) {
  return R"({"type":"stats","data":)" + stats_json(s) + R"(,"timestamp":")" + now_rfc3339() + "\"}";
}

}  // namespace ceiling

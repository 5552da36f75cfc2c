// SPDX-License-Identifier: MIT
#include "sensorhub/protocol/server_messages.hpp"

#include <utility>

#include "json/json_writer.hpp"

namespace sensorhub {

using detail::json_writer;

namespace {

void write_channels(json_writer& w, const std::vector<channel>& channels) {
  w.begin_array();
  for (channel c : channels) w.str(channel_name(c));
  w.end_array();
}

void write_channel_counters(json_writer& w, const channel_stats& s) {
  w.key("connections").u64(s.connections);
  w.key("messages_sent").u64(s.messages_sent);
  w.key("conflated").u64(s.conflated);
}

void write_stats(json_writer& w, const hub_stats& s) {
  w.begin_object();
  w.key("total_connections").u64(s.total_connections);
  w.key("channels").begin_object();
  for (channel c : all_channels) {
    w.key(channel_name(c)).begin_object();
    write_channel_counters(w, s.of(c));
    w.end_object();
  }
  w.end_object();
  w.key("events_published").u64(s.events_published);
  w.key("last_seq").u64(s.last_seq);
  w.key("uptime_s").u64(s.uptime_s);
  w.end_object();
}

std::string channel_list_message(const char* type, const std::vector<channel>& channels) {
  json_writer w;
  w.begin_object();
  w.key("type").str(type);
  w.key("channels");
  write_channels(w, channels);
  w.end_object();
  return w.take();
}

}  // namespace

std::string encode_connection_established(std::string_view client_id,
                                          const std::vector<channel>& channels,
                                          std::string_view server, timestamp at) {
  json_writer w;
  w.begin_object();
  w.key("type").str("connection_established");
  w.key("client_id").str(client_id);
  w.key("channels");
  write_channels(w, channels);
  w.key("server").str(server);
  w.key("timestamp").str(format_time(at));
  w.end_object();
  return w.take();
}

std::string encode_stats_object(const hub_stats& s) {
  json_writer w;
  write_stats(w, s);
  return w.take();
}

std::string encode_stats_message(const hub_stats& s, timestamp at) {
  json_writer w;
  w.begin_object();
  w.key("type").str("stats");
  w.key("data");
  write_stats(w, s);
  w.key("timestamp").str(format_time(at));
  w.end_object();
  return w.take();
}

std::string encode_pong(timestamp at) {
  json_writer w;
  w.begin_object();
  w.key("type").str("pong");
  w.key("timestamp").str(format_time(at));
  w.end_object();
  return w.take();
}

std::string encode_subscribed(const std::vector<channel>& channels) {
  return channel_list_message("subscribed", channels);
}

std::string encode_unsubscribed(const std::vector<channel>& channels) {
  return channel_list_message("unsubscribed", channels);
}

std::string encode_ws_error(std::string_view code, std::string_view detail) {
  json_writer w;
  w.begin_object();
  w.key("type").str("error");
  w.key("error").str(code);
  w.key("detail").str(detail);
  w.end_object();
  return w.take();
}

std::string encode_resume_failed(std::uint64_t oldest_seq) {
  json_writer w;
  w.begin_object();
  w.key("type").str("resume_failed");
  w.key("reason").str("history_truncated");
  w.key("oldest_seq").u64(oldest_seq);
  w.end_object();
  return w.take();
}

std::string encode_snapshot(std::uint64_t seq, channel c, std::string_view data_json) {
  json_writer w;
  w.begin_object();
  w.key("type").str("snapshot");
  w.key("seq").u64(seq);
  w.key("channel").str(channel_name(c));
  w.key("data").raw(data_json.empty() ? std::string_view("[]") : data_json);
  w.end_object();
  return w.take();
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "obs/metrics.hpp"

#include <cstdio>

#include "obs/process_metrics.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/version.hpp"

namespace sensorhubd {

namespace {

std::string label_value(const std::string& v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void metrics::record_request(const std::string& route, int status) {
  std::lock_guard<std::mutex> lk(m_);
  ++requests_[{route, status}];
}

std::string render_histogram(const std::string& name, const std::string& help,
                             const sensorhub::latency_snapshot& h) {
  std::string out = "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    cumulative += h.counts[i];
    out += name + "_bucket{le=\"" + number(sensorhub::latency_bucket_bounds[i]) + "\"} " +
           std::to_string(cumulative) + "\n";
  }
  out += name + "_bucket{le=\"+Inf\"} " + std::to_string(h.count) + "\n";
  out += name + "_sum " + number(h.sum_seconds) + "\n";
  out += name + "_count " + std::to_string(h.count) + "\n";
  return out;
}

std::string metrics::render(const sensorhub::hub_stats& s, bool with_process) const {
  std::string out;
  auto line = [&out](const std::string& text) {
    out += text;
    out.push_back('\n');
  };

  line("# HELP sensorhub_build_info The daemon's version; always 1.");
  line("# TYPE sensorhub_build_info gauge");
  line(std::string("sensorhub_build_info{version=\"") + label_value(SENSORHUB_VERSION) + "\"} 1");

  line("# HELP sensorhub_ws_connections Live subscriptions per channel.");
  line("# TYPE sensorhub_ws_connections gauge");
  for (auto c : sensorhub::all_channels) {
    line(std::string("sensorhub_ws_connections{channel=\"") + sensorhub::channel_name(c) + "\"} " +
         std::to_string(s.of(c).connections));
  }
  line("# HELP sensorhub_ws_clients Distinct WebSocket subscribers.");
  line("# TYPE sensorhub_ws_clients gauge");
  line("sensorhub_ws_clients " + std::to_string(s.total_connections));
  line("# HELP sensorhub_events_published_total Events published to subscribers.");
  line("# TYPE sensorhub_events_published_total counter");
  line("sensorhub_events_published_total " + std::to_string(s.events_published));
  line("# HELP sensorhub_last_seq Highest event sequence number.");
  line("# TYPE sensorhub_last_seq gauge");
  line("sensorhub_last_seq " + std::to_string(s.last_seq));
  line("# HELP sensorhub_messages_sent_total Events delivered per channel.");
  line("# TYPE sensorhub_messages_sent_total counter");
  for (auto c : sensorhub::all_channels) {
    line(std::string("sensorhub_messages_sent_total{channel=\"") + sensorhub::channel_name(c) +
         "\"} " + std::to_string(s.of(c).messages_sent));
  }
  line("# HELP sensorhub_conflated_total Queued events replaced by a newer one, per channel.");
  line("# TYPE sensorhub_conflated_total counter");
  for (auto c : sensorhub::all_channels) {
    line(std::string("sensorhub_conflated_total{channel=\"") + sensorhub::channel_name(c) + "\"} " +
         std::to_string(s.of(c).conflated));
  }
  line("# HELP sensorhub_dropped_subscribers_total Subscribers closed as slow consumers.");
  line("# TYPE sensorhub_dropped_subscribers_total counter");
  line("sensorhub_dropped_subscribers_total " + std::to_string(s.dropped_subscribers));
  line(
      "# HELP sensorhub_stale_sensors Sensors whose newest reading is older than their staleness "
      "bound.");
  line("# TYPE sensorhub_stale_sensors gauge");
  line("sensorhub_stale_sensors " + std::to_string(s.stale_sensors));
  line("# HELP sensorhub_uptime_seconds Seconds since the hub started.");
  line("# TYPE sensorhub_uptime_seconds gauge");
  line("sensorhub_uptime_seconds " + std::to_string(s.uptime_s));

  line("# HELP sensorhub_http_requests_total HTTP requests by route pattern and status.");
  line("# TYPE sensorhub_http_requests_total counter");
  {
    std::lock_guard<std::mutex> lk(m_);
    for (const auto& [key, count] : requests_) {
      line("sensorhub_http_requests_total{route=\"" + label_value(key.first) + "\",status=\"" +
           std::to_string(key.second) + "\"} " + std::to_string(count));
    }
  }
  out += render_histogram("sensorhub_write_latency_seconds",
                          "Time from a REST write accepted to its commit reported.",
                          write_latency_.snapshot());
  out += render_histogram("sensorhub_delivery_queue_seconds",
                          "Time an event waited in a WebSocket or SSE subscriber's queue before "
                          "it was handed to the socket.",
                          s.delivery_queue_time);
  if (with_process) out += render_process_metrics(sample_process());
  return out;
}

}  // namespace sensorhubd

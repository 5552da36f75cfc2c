// GET /metrics: the Prometheus text rendered from the hub's stats and the
// daemon's own counters.
#include <doctest/doctest.h>

#include <sstream>
#include <string>

#include "obs/metrics.hpp"

using namespace sensorhubd;

namespace {

bool has_line(const std::string& text, const std::string& line) {
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    if (l == line) return true;
  }
  return false;
}

sensorhub::hub_stats sample_stats() {
  sensorhub::hub_stats s;
  s.total_connections = 4;
  s.of(sensorhub::channel::sensors) = {3, 10};
  s.of(sensorhub::channel::readings) = {1, 20, 9};
  s.events_published = 30;
  s.last_seq = 77;
  s.dropped_subscribers = 2;
  s.uptime_s = 3600;
  return s;
}

}  // namespace

TEST_CASE("hub stats are rendered as gauges and counters") {
  const metrics m;
  const std::string text = m.render(sample_stats());
  CHECK(has_line(text, "# TYPE sensorhub_ws_connections gauge"));
  CHECK(has_line(text, "sensorhub_ws_connections{channel=\"sensors\"} 3"));
  CHECK(has_line(text, "sensorhub_ws_connections{channel=\"readings\"} 1"));
  CHECK(has_line(text, "sensorhub_ws_connections{channel=\"general\"} 0"));
  CHECK(has_line(text, "sensorhub_ws_clients 4"));
  CHECK(has_line(text, "# TYPE sensorhub_events_published_total counter"));
  CHECK(has_line(text, "sensorhub_events_published_total 30"));
  CHECK(has_line(text, "sensorhub_last_seq 77"));
  CHECK(has_line(text, "sensorhub_messages_sent_total{channel=\"readings\"} 20"));
  CHECK(has_line(text, "sensorhub_dropped_subscribers_total 2"));
  CHECK(has_line(text, "# TYPE sensorhub_conflated_total counter"));
  CHECK(has_line(text, "sensorhub_conflated_total{channel=\"readings\"} 9"));
  CHECK(has_line(text, "sensorhub_conflated_total{channel=\"sensors\"} 0"));
  CHECK(has_line(text, "sensorhub_uptime_seconds 3600"));
  CHECK(text.back() == '\n');
}

TEST_CASE("requests are counted by route pattern and status, labels escaped") {
  metrics m;
  m.record_request("/api/v1/sensores/{id}", 200);
  m.record_request("/api/v1/sensores/{id}", 200);
  m.record_request("/api/v1/sensores/{id}", 404);
  m.record_request("a\"b\\c", 500);
  const std::string text = m.render({});
  CHECK(has_line(
      text, "sensorhub_http_requests_total{route=\"/api/v1/sensores/{id}\",status=\"200\"} 2"));
  CHECK(has_line(
      text, "sensorhub_http_requests_total{route=\"/api/v1/sensores/{id}\",status=\"404\"} 1"));
  CHECK(has_line(text, "sensorhub_http_requests_total{route=\"a\\\"b\\\\c\",status=\"500\"} 1"));
}

TEST_CASE("write latency is a cumulative histogram") {
  metrics m;
  m.record_write_latency(0.0004);  // first bucket and up
  m.record_write_latency(0.02);    // le=0.025 and up
  m.record_write_latency(10.0);    // only +Inf
  const std::string text = m.render({});
  CHECK(has_line(text, "# TYPE sensorhub_write_latency_seconds histogram"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_bucket{le=\"0.0005\"} 1"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_bucket{le=\"0.01\"} 1"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_bucket{le=\"0.025\"} 2"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_bucket{le=\"2.5\"} 2"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_bucket{le=\"+Inf\"} 3"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_count 3"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_sum 10.0204"));
}

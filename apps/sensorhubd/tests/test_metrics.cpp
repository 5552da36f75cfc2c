// SPDX-License-Identifier: MIT
// GET /metrics: the Prometheus text rendered from the hub's stats and the
// daemon's own counters.
#include <doctest/doctest.h>

#include <cctype>
#include <cstdlib>
#include <ctime>
#include <sstream>
#include <string>

#include "obs/metrics.hpp"
#include "obs/process_metrics.hpp"
#include "sensorhub/version.hpp"

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
  m.record_write_latency(0.025);   // a bound belongs to its own bucket
  m.record_write_latency(7.0);     // le=10 only
  m.record_write_latency(30.0);    // only +Inf
  m.record_write_latency(-1.0);    // a clock step: counted as 0
  const std::string text = m.render({}, false);
  CHECK(has_line(text, "# TYPE sensorhub_write_latency_seconds histogram"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_bucket{le=\"0.0005\"} 2"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_bucket{le=\"0.01\"} 2"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_bucket{le=\"0.025\"} 4"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_bucket{le=\"5\"} 4"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_bucket{le=\"10\"} 5"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_bucket{le=\"+Inf\"} 6"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_count 6"));
  CHECK(has_line(text, "sensorhub_write_latency_seconds_sum 37.0454"));
}

TEST_CASE("a batch flushes into the histogram like single observations") {
  sensorhub::latency_histogram single;
  sensorhub::latency_histogram batched;
  sensorhub::latency_batch b;
  for (std::int64_t ns :
       {0LL, 400'000LL, 500'000LL, 500'001LL, 3'000'000'000LL, 11'000'000'000LL}) {
    single.observe_ns(ns);
    b.add_ns(ns);
  }
  batched.add(b);
  batched.add(sensorhub::latency_batch{});  // an empty batch changes nothing
  const auto a = single.snapshot();
  const auto c = batched.snapshot();
  CHECK(a.counts == c.counts);
  CHECK(a.inf_count == 1);
  CHECK(c.inf_count == 1);
  CHECK(a.count == 6);
  CHECK(c.count == 6);
  CHECK(a.counts[0] == 3);  // 0, 0.4 ms, 0.5 ms (le is inclusive)
  CHECK(a.counts[1] == 1);  // just above 0.5 ms
  CHECK(a.sum_seconds == doctest::Approx(14.001400001));
  CHECK(c.sum_seconds == doctest::Approx(a.sum_seconds));
}

TEST_CASE("delivery queue time comes from the hub's stats") {
  sensorhub::hub_stats s;
  s.delivery_queue_time.counts[0] = 5;  // 0.5 ms
  s.delivery_queue_time.counts[3] = 2;  // 5 ms
  s.delivery_queue_time.count = 7;
  s.delivery_queue_time.sum_seconds = 0.0125;
  const std::string text = metrics{}.render(s, false);
  CHECK(has_line(text, "# TYPE sensorhub_delivery_queue_seconds histogram"));
  CHECK(has_line(text, "sensorhub_delivery_queue_seconds_bucket{le=\"0.0005\"} 5"));
  CHECK(has_line(text, "sensorhub_delivery_queue_seconds_bucket{le=\"0.0025\"} 5"));
  CHECK(has_line(text, "sensorhub_delivery_queue_seconds_bucket{le=\"0.005\"} 7"));
  CHECK(has_line(text, "sensorhub_delivery_queue_seconds_bucket{le=\"+Inf\"} 7"));
  CHECK(has_line(text, "sensorhub_delivery_queue_seconds_sum 0.0125"));
  CHECK(has_line(text, "sensorhub_delivery_queue_seconds_count 7"));
}

TEST_CASE("build info and process metrics") {
  const std::string text = metrics{}.render({});
  CHECK(has_line(text, "# TYPE sensorhub_build_info gauge"));
  CHECK(
      has_line(text, std::string("sensorhub_build_info{version=\"") + SENSORHUB_VERSION + "\"} 1"));
  for (const char* name : {"process_open_fds", "process_max_fds", "process_resident_memory_bytes",
                           "process_start_time_seconds", "process_cpu_seconds_total"}) {
    CAPTURE(name);
    CHECK(text.find(std::string("\n# TYPE ") + name + " ") != std::string::npos);
  }
  const auto p = sample_process();
  REQUIRE(p.open_fds);
  CHECK(*p.open_fds >= 3);  // stdin, stdout, stderr
  REQUIRE(p.max_fds);
  CHECK(*p.max_fds >= *p.open_fds);
  REQUIRE(p.resident_bytes);
  CHECK(*p.resident_bytes > (1u << 20));
  REQUIRE(p.start_time_seconds);
  const double now = static_cast<double>(std::time(nullptr));
  CHECK(*p.start_time_seconds <= now + 1);
  CHECK(*p.start_time_seconds > now - 3600);
}

TEST_CASE("every line is a comment or a sample of the text format") {
  const std::string text = metrics{}.render(sample_stats());
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) {
    CAPTURE(l);
    if (l.rfind("# HELP ", 0) == 0 || l.rfind("# TYPE ", 0) == 0) continue;
    const auto space = l.rfind(' ');
    REQUIRE(space != std::string::npos);
    const std::string value = l.substr(space + 1);
    char* end = nullptr;
    std::strtod(value.c_str(), &end);
    CHECK((value == "+Inf" || (end != nullptr && *end == '\0' && !value.empty())));
    CHECK((std::isalpha(static_cast<unsigned char>(l[0])) || l[0] == '_'));
  }
}

// SPDX-License-Identifier: MIT
// End-to-end: the operator metrics of GET /metrics (docs/operations.md):
// build info, process_* metrics and the write latency and delivery queue
// time histograms, read from the real daemon.

#include <string>
#include <thread>

#include "../e2e_test_util.hpp"
#include "metrics_text.hpp"

using namespace sensorhub::e2e;

namespace {

std::map<std::string, double> scrape(const daemon_process& d) {
  const http_response r = d.http().get("/metrics");
  REQUIRE(r.status == 200);
  return metric_samples(r.body);
}

double value_of(const std::map<std::string, double>& m, const std::string& key) {
  const auto v = sample(m, key);
  INFO("sample " << key);
  REQUIRE(v.has_value());
  return *v;
}

}  // namespace

TEST_CASE("build info and process metrics have plausible values") {
  daemon_process d;
  const http_response r = d.http().get("/metrics");
  REQUIRE(r.status == 200);
  CHECK(r.body.find("# TYPE sensorhub_build_info gauge\n") != std::string::npos);
  CHECK(r.body.find("\nsensorhub_build_info{version=\"") != std::string::npos);
  for (const char* t :
       {"process_open_fds gauge", "process_max_fds gauge", "process_resident_memory_bytes gauge",
        "process_start_time_seconds gauge", "process_cpu_seconds_total counter",
        "sensorhub_write_latency_seconds histogram",
        "sensorhub_delivery_queue_seconds histogram"}) {
    CAPTURE(t);
    CHECK(r.body.find(std::string("# TYPE ") + t + "\n") != std::string::npos);
  }
  const auto m = metric_samples(r.body);
  const double fds = value_of(m, "process_open_fds");
  CHECK(fds > 0);
  CHECK(value_of(m, "process_max_fds") >= fds);
  CHECK(value_of(m, "process_resident_memory_bytes") > 1024.0 * 1024.0);
  const double now = static_cast<double>(std::time(nullptr));
  const double start = value_of(m, "process_start_time_seconds");
  CHECK(start <= now + 1);
  CHECK(start > now - 600);
  CHECK(value_of(m, "process_cpu_seconds_total") >= 0);

  // An open WebSocket is one more descriptor.
  auto ws = open_ws(d, "?channel=readings");
  CHECK(value_of(scrape(d), "process_open_fds") > fds);
}

TEST_CASE("write latency and delivery queue time count writes and deliveries") {
  daemon_process d;
  const auto h = d.http();
  const auto before = scrape(d);
  const double writes0 = value_of(before, "sensorhub_write_latency_seconds_count");
  const double queued0 = value_of(before, "sensorhub_delivery_queue_seconds_count");

  auto ws = open_ws(d, "?channel=readings");
  const std::int64_t sensor = create_sensor(h);
  constexpr int n = 5;
  for (int i = 0; i < n; ++i) create_reading(h, sensor, 20.0 + i);
  for (int got = 0; got < n;) {  // every reading reached the socket
    const auto msg = ws.recv_json();
    REQUIRE(msg.has_value());
    if ((*msg)["type"].str() == "entity_event") ++got;
  }

  // The subscriber's hand-off is recorded when it drains; wait for it.
  std::map<std::string, double> after;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    after = scrape(d);
    if (value_of(after, "sensorhub_delivery_queue_seconds_count") >= queued0 + n) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  } while (std::chrono::steady_clock::now() < deadline);

  const double writes = value_of(after, "sensorhub_write_latency_seconds_count");
  CHECK(writes >= writes0 + n + 1);  // the sensor and the readings
  CHECK(value_of(after, "sensorhub_write_latency_seconds_bucket{le=\"+Inf\"}") == writes);
  CHECK(value_of(after, "sensorhub_write_latency_seconds_sum") > 0);
  const double queued = value_of(after, "sensorhub_delivery_queue_seconds_count");
  CHECK(queued >= queued0 + n);
  CHECK(value_of(after, "sensorhub_delivery_queue_seconds_bucket{le=\"+Inf\"}") == queued);
  // Buckets are cumulative: never decreasing, the last one equal to count.
  double prev = 0;
  for (const char* le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                         "0.25", "0.5", "1", "2.5", "5", "10"}) {
    const double b =
        value_of(after, std::string("sensorhub_delivery_queue_seconds_bucket{le=\"") + le + "\"}");
    CHECK(b >= prev);
    prev = b;
  }
  CHECK(prev <= queued);
  CHECK(healthy(d));
}

// SPDX-License-Identifier: MIT
// rest-create, rest-get and ingest: C clients on keep-alive connections.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include "clients/http_client.hpp"
#include "clients/http_response_parser.hpp"
#include "clients/request_driver.hpp"
#include "driver/clock.hpp"
#include "driver/cpu_probe.hpp"
#include "driver/report.hpp"
#include "driver/target.hpp"
#include "scenarios/scenarios.hpp"

namespace bench {

namespace {

constexpr const char* sensors_path = "/api/v1/test-sensors/";
constexpr std::chrono::milliseconds request_timeout{60000};

std::string sensor_body(std::size_t i) {
  return R"({"tipo":"bench","modelo":"rest-)" + std::to_string(i) + R"(","ubicacion":"bench"})";
}

// Runs `driver` to the end inside a CPU window.
void run_measured(request_driver& driver, cpu_probe& cpu) {
  cpu.start();
  driver.start();
  driver.join();
  cpu.stop();
}

double elapsed_s(const request_driver& d) {
  const std::int64_t span = d.last_completed_ns() - d.first_sent_ns();
  return span > 0 ? static_cast<double>(span) / 1e9 : 0.0;
}

// The fields every request scenario reports; `unit` names the rate
// ("creates_per_s") of `items_per_request` items per successful request.
void write_request_fields(json_writer& w, const bench_options& o, const request_driver& d,
                          const char* unit, double items_per_request) {
  const double elapsed = elapsed_s(d);
  w.Key("clients");
  w.Uint64(o.writers);
  w.Key("writer_threads");
  w.Uint(o.writer_threads);
  w.Key("requests");
  w.Uint64(d.count());
  w.Key("ok");
  w.Uint64(d.ok_count());
  w.Key("errors");
  w.Uint64(d.errors());
  w.Key("tcp_connections");
  w.Uint64(d.connects());
  w.Key("requests_per_s");
  w.Double(elapsed > 0 ? static_cast<double>(d.ok_count()) / elapsed : 0);
  w.Key(unit);
  w.Double(elapsed > 0 ? static_cast<double>(d.ok_count()) * items_per_request / elapsed : 0);
  w.Key("elapsed_s");
  w.Double(elapsed);
  std::vector<float> latencies = d.latencies_ms();
  write_latency(w, "latency_ms", summarize(latencies));
  const auto samples = d.error_samples();
  if (!samples.empty()) write_strings(w, "error_samples", samples);
  w.Key("bench_cpu_s");
  w.Double(process_cpu_seconds());
}

// Prints the report; exit code 3 with --check when a request failed.
int finish(bench_target& target, json_report& report, const bench_options& o,
           const request_driver& d) {
  const bool daemon_ok = finish_target(target, report.w());
  report.w().EndObject();
  std::printf("%s\n", report.str().c_str());
  return o.check && (!daemon_ok || d.errors() > 0 || d.ok_count() != d.count()) ? 3 : 0;
}

// Creates n sensors on keep-alive connections; their ids.
std::vector<std::int64_t> create_sensors(const bench_target& t, const bench_options& o,
                                         std::size_t n) {
  const std::string host = t.address.host_header();
  request_driver d(
      t.endpoint, n, o.writers, 201,
      [&](std::size_t i) {
        return make_http_request("POST", sensors_path, host, sensor_body(i), o.token, true);
      },
      request_timeout, 0.0, o.writer_threads);
  d.start();
  d.join();
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < n; ++i) {
    if (d.ok(i) && d.entity_id(i) > 0) ids.push_back(d.entity_id(i));
  }
  if (ids.empty()) {
    const auto samples = d.error_samples();
    throw std::runtime_error("creating sensors failed" +
                             (samples.empty() ? std::string() : ": " + samples.front()));
  }
  return ids;
}

// The JSON array of n readings of one sensor for POST /lecturas/batch.
std::string batch_body(std::int64_t sensor_id, std::size_t n) {
  std::string body = "[";
  body.reserve(n * 48);
  const std::string head = R"({"sensor_id":)" + std::to_string(sensor_id) + R"(,"valor":)";
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) body += ',';
    body += head + std::to_string(i % 1000) + R"(.5,"unidad":"C"})";
  }
  body += ']';
  return body;
}

}  // namespace

int run_rest_create(const bench_options& o) {
  bench_target target = open_target(o);
  const std::string host = target.address.host_header();
  request_driver d(
      target.endpoint, o.writes, o.writers, 201,
      [&](std::size_t i) {
        return make_http_request("POST", sensors_path, host, sensor_body(i), o.token, true);
      },
      request_timeout, o.write_rate, o.writer_threads);
  cpu_probe cpu(target.server_pid);
  run_measured(d, cpu);
  json_report report;
  auto& w = report.w();
  w.StartObject();
  w.Key("scenario");
  w.String("rest-create");
  write_request_fields(w, o, d, "creates_per_s", 1.0);
  cpu.write(w);
  return finish(target, report, o, d);
}

int run_rest_get(const bench_options& o) {
  bench_target target = open_target(o);
  const std::string host = target.address.host_header();
  const std::vector<std::int64_t> ids =
      create_sensors(target, o, std::min<std::size_t>(o.writes, 1000));
  std::vector<std::string> paths;
  for (const auto id : ids) paths.push_back(sensors_path + std::to_string(id));
  request_driver d(
      target.endpoint, o.writes, o.writers, 200,
      [&](std::size_t i) {
        return make_http_request("GET", paths[i % paths.size()], host, "", o.token, true);
      },
      request_timeout, o.write_rate, o.writer_threads);
  cpu_probe cpu(target.server_pid);
  run_measured(d, cpu);
  json_report report;
  auto& w = report.w();
  w.StartObject();
  w.Key("scenario");
  w.String("rest-get");
  w.Key("sensors");
  w.Uint64(ids.size());
  write_request_fields(w, o, d, "gets_per_s", 1.0);
  cpu.write(w);
  return finish(target, report, o, d);
}

int run_ingest(const bench_options& o) {
  bench_target target = open_target(o);
  const std::string host = target.address.host_header();
  const std::int64_t sensor = create_sensors(target, o, 1).front();
  const std::size_t requests = (o.events + o.batch_size - 1) / o.batch_size;
  const std::size_t last = o.events - (requests - 1) * o.batch_size;
  const std::string full = make_http_request("POST", "/api/v1/lecturas/batch", host,
                                             batch_body(sensor, o.batch_size), o.token, true);
  const std::string tail = make_http_request("POST", "/api/v1/lecturas/batch", host,
                                             batch_body(sensor, last), o.token, true);
  request_driver d(
      target.endpoint, requests, o.writers, 201,
      [&](std::size_t i) { return i + 1 == requests ? tail : full; }, request_timeout, o.write_rate,
      o.writer_threads);
  cpu_probe cpu(target.server_pid);
  run_measured(d, cpu);
  json_report report;
  auto& w = report.w();
  w.StartObject();
  w.Key("scenario");
  w.String("ingest");
  w.Key("readings");
  w.Uint64(o.events);
  w.Key("batch_size");
  w.Uint64(o.batch_size);
  const auto samples = d.error_samples();
  if (d.ok_count() == 0 && !samples.empty() &&
      (samples.front().rfind("HTTP 404", 0) == 0 || samples.front().rfind("HTTP 405", 0) == 0)) {
    w.Key("skipped");
    w.String("the server has no POST /api/v1/lecturas/batch");
  }
  // Every batch but the last has batch_size readings; the rate counts readings.
  const double per_request =
      requests > 0 ? static_cast<double>(o.events) / static_cast<double>(requests) : 0.0;
  write_request_fields(w, o, d, "readings_per_s", per_request);
  cpu.write(w);
  return finish(target, report, o, d);
}

}  // namespace bench

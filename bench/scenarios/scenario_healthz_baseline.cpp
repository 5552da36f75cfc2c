// SPDX-License-Identifier: MIT
#include <cstdio>
#include <thread>

#include "driver/clock.hpp"
#include "driver/cpu_probe.hpp"
#include "clients/http_client.hpp"
#include "driver/report.hpp"
#include "clients/request_driver.hpp"
#include "scenarios/scenarios.hpp"
#include "driver/target.hpp"

namespace bench {

int run_healthz_baseline(const bench_options& o) {
  bench_target target = open_target(o);
  std::string request =
      make_http_request("GET", "/healthz", target.address.host_header(), "", o.token);
  // A new connection per request, as the baseline has always measured.
  request_driver driver(
      target.endpoint, o.writes, o.writers, 200, [&request](std::size_t) { return request; },
      std::chrono::milliseconds(30000), 0.0, o.writer_threads);
  cpu_probe cpu(target.server_pid);
  cpu.start();
  driver.start();
  driver.join();
  cpu.stop();

  std::vector<float> latencies = driver.latencies_ms();
  const std::int64_t span = driver.last_completed_ns() - driver.first_sent_ns();
  const double elapsed_s = span > 0 ? static_cast<double>(span) / 1e9 : 0;
  json_report report;
  auto& w = report.w();
  w.StartObject();
  w.Key("scenario");
  w.String("healthz-baseline");
  w.Key("requests");
  w.Uint64(o.writes);
  w.Key("concurrency");
  w.Uint64(o.writers);
  w.Key("ok");
  w.Uint64(driver.ok_count());
  w.Key("requests_per_s");
  w.Double(elapsed_s > 0 ? static_cast<double>(driver.ok_count()) / elapsed_s : 0);
  w.Key("elapsed_s");
  w.Double(elapsed_s);
  write_latency(w, "latency_ms", summarize(latencies));
  w.Key("errors");
  w.Uint64(driver.errors());
  if (!driver.error_samples().empty()) {
    write_strings(w, "error_samples", driver.error_samples());
  }
  cpu.write(w);
  finish_target(target, w);
  w.EndObject();
  std::printf("%s\n", report.str().c_str());
  return 0;
}

}  // namespace bench

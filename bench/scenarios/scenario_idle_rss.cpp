// SPDX-License-Identifier: MIT
// idle-rss: what an idle, greeted WebSocket costs the server in memory.
#include <chrono>
#include <cstdio>
#include <thread>

#include "clients/subscriber_pool.hpp"
#include "driver/clock.hpp"
#include "driver/cpu_probe.hpp"
#include "driver/report.hpp"
#include "driver/target.hpp"
#include "scenarios/scenarios.hpp"

namespace bench {

namespace {

// RSS after the server had a moment to settle (allocator, lazy pages).
process_sample settled_sample(pid_t pid) {
  std::this_thread::sleep_for(std::chrono::seconds(1));
  return sample_process(pid);
}

void write_pool_fields(json_writer& w, const subscriber_pool& pool, double connect_s) {
  w.Key("established");
  w.Uint64(pool.established());
  w.Key("failed");
  w.Uint64(pool.failed());
  const auto failures = pool.failure_samples();
  if (!failures.empty()) write_strings(w, "failure_samples", failures);
  w.Key("disconnects");
  w.Uint64(pool.disconnects().size());
  w.Key("connect_s");
  w.Double(connect_s);
  w.Key("bench_cpu_s");
  w.Double(process_cpu_seconds());
}

}  // namespace

int run_idle_rss(const bench_options& o) {
  bench_target target = open_target(o);
  json_report report;
  auto& w = report.w();
  w.StartObject();
  w.Key("scenario");
  w.String("idle-rss");
  w.Key("connections");
  w.Uint64(o.subscribers);
  w.Key("source_addresses");
  w.Uint(o.source_addresses);
  if (target.server_pid <= 0) {
    w.Key("skipped");
    w.String("the server pid is unknown: give --pid with --url");
    finish_target(target, w);
    w.EndObject();
    std::printf("%s\n", report.str().c_str());
    return 1;
  }
  pool_config pc;
  pc.uri = target.address.ws_uri("/api/v1/ws?channel=sensors");
  pc.count = o.subscribers;
  pc.batch = o.connect_batch;
  pc.batch_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(o.connect_timeout_s * 1000));
  pc.threads = o.threads;
  pc.source_addresses = o.source_addresses;
  subscriber_pool pool(pc, [](std::size_t, const ws_message&, std::int64_t) {});

  const process_sample before = settled_sample(target.server_pid);
  cpu_probe cpu(target.server_pid);
  cpu.start();
  const std::int64_t connect_start = now_ns();
  pool.connect_all();
  const double connect_s = static_cast<double>(now_ns() - connect_start) / 1e9;
  cpu.stop();
  const process_sample after = settled_sample(target.server_pid);
  const std::size_t established = pool.established();

  w.Key("rss_kb_before");
  w.Int64(before.rss_kb);
  w.Key("rss_kb_after");
  w.Int64(after.rss_kb);
  w.Key("bytes_per_connection");
  w.Double(established > 0 ? static_cast<double>(after.rss_kb - before.rss_kb) * 1024.0 /
                                 static_cast<double>(established)
                           : 0.0);
  write_pool_fields(w, pool, connect_s);
  cpu.write(w);
  pool.shutdown();
  w.Key("disconnects_after_shutdown");
  w.Uint64(pool.disconnects().size());
  const bool daemon_ok = finish_target(target, w);
  w.EndObject();
  std::printf("%s\n", report.str().c_str());
  const bool clean = daemon_ok && before.ok && after.ok && established == o.subscribers;
  return o.check && !clean ? 3 : 0;
}

}  // namespace bench

// SPDX-License-Identifier: MIT
#include <atomic>
#include <cstdio>
#include <memory>
#include <thread>

#include "scenarios/broadcast_server.hpp"
#include "driver/clock.hpp"
#include "scenarios/fanout_common.hpp"
#include "scenarios/scenarios.hpp"

namespace bench {

namespace {

// An event of the same shape and size as sensorhubd's sensor "created".
std::string baseline_event(std::size_t i, const std::string& marker) {
  const std::string n = std::to_string(i + 1);
  return R"({"type":"entity_event","seq":)" + n +
         R"(,"channel":"sensors","entity_type":"sensor","event_type":"created","entity_id":)" + n +
         R"(,"data":{"id":)" + n + R"(,"tipo":"bench","modelo":")" + marker + "-" +
         std::to_string(i) +
         R"(","ubicacion":"bench","activo":true,"created_at":"2025-07-20T05:34:11.378577+00:00",)"
         R"("updated_at":"2025-07-20T05:34:11.378577+00:00"},)"
         R"("timestamp":"2025-07-20T05:34:11.378600+00:00","metadata":{"action":"create_sensor"}})";
}

// The paced sender's stamps: sent[i] is stored before event i leaves (0
// until then); first_send and last_send are read only after the join.
struct send_log {
  explicit send_log(std::size_t writes)
      : sent(std::make_unique<std::atomic<std::int64_t>[]>(writes)) {}
  std::unique_ptr<std::atomic<std::int64_t>[]> sent;
  std::atomic<bool> done{false};
  std::int64_t first_send = 0;
  std::int64_t last_send = 0;
};

pool_config baseline_pool_config(const bench_options& o, const broadcast_server& server,
                                 const std::string& marker) {
  pool_config pc;
  pc.uri = "ws://127.0.0.1:" + std::to_string(server.port()) + "/api/v1/ws?channel=sensors";
  pc.count = o.subscribers;
  pc.batch = o.connect_batch;
  pc.batch_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(o.connect_timeout_s * 1000));
  pc.threads = o.threads;
  pc.marker_prefix = marker;
  pc.source_addresses = o.source_addresses;
  return pc;
}

// Paced like the writers of a fanout run: event i leaves at start + i/rate.
void send_paced(broadcast_server& server, std::size_t writes, double rate,
                const std::string& marker, send_log& log) {
  const std::int64_t start = now_ns();
  for (std::size_t i = 0; i < writes; ++i) {
    const auto due = start + static_cast<std::int64_t>(static_cast<double>(i) * 1e9 / rate);
    while (now_ns() < due) {
      std::this_thread::sleep_for(std::chrono::nanoseconds(due - now_ns()));
    }
    const std::string payload = baseline_event(i, marker);
    const std::int64_t stamp = now_ns();
    log.sent[i].store(stamp, std::memory_order_release);
    if (i == 0) {
      log.first_send = stamp;
    }
    server.broadcast(payload);
    log.last_send = now_ns();
  }
  log.done.store(true, std::memory_order_release);
}

// The run's description for the report: one writer, every write ok.
void describe_run(fanout_run_info& info, const bench_options& o, double rate, const send_log& log) {
  info.scenario = "broadcast-baseline";
  info.subscribers = o.subscribers;
  info.threads = o.threads;
  info.writers = 1;
  info.writes = o.writes;
  info.writes_ok = o.writes;
  info.mode = "broadcast";
  info.write_rate = rate;
  info.first_send_ns = log.first_send;
  info.last_ack_ns = log.last_send;
}

void print_report(const fanout_run_info& info, fanout_totals& totals, const subscriber_pool& pool,
                  const cpu_probe& cpu) {
  json_report report;
  auto& w = report.w();
  w.StartObject();
  write_fanout_fields(w, info, totals, pool);
  // The server runs inside this process: load_generator includes it.
  write_fanout_cpu(w, cpu, totals);
  w.EndObject();
  std::printf("%s\n", report.str().c_str());
}

}  // namespace

int run_broadcast_baseline(const bench_options& o) {
  const double rate = o.rate > 0 ? o.rate : o.write_rate > 0 ? o.write_rate : 500.0;
  const std::string marker = make_marker_prefix();
  broadcast_server server;
  fanout_tracker tracker(o.subscribers, o.writes);
  send_log log(o.writes);
  subscriber_pool pool(
      baseline_pool_config(o, server, marker),
      [&](std::size_t s, const ws_message& m, std::int64_t recv) {
        const bool ours = m.write_index >= 0 && static_cast<std::size_t>(m.write_index) < o.writes;
        const std::int64_t at =
            ours ? log.sent[static_cast<std::size_t>(m.write_index)].load(std::memory_order_acquire)
                 : 0;
        tracker.on_event(s, m, recv, at);
      });

  fanout_run_info info;
  const std::int64_t connect_start = now_ns();
  const std::size_t established = pool.connect_all();
  info.connect_s = static_cast<double>(now_ns() - connect_start) / 1e9;
  const std::vector<bool> counted = pool.established_mask();

  cpu_probe cpu(-1);
  cpu.start();
  std::thread sender([&] { send_paced(server, o.writes, rate, marker, log); });
  const std::uint64_t expected = static_cast<std::uint64_t>(established) * o.writes;
  info.timed_out = wait_for_deliveries(
      tracker, [&] { return log.done.load(std::memory_order_acquire); },
      [expected] { return expected; }, [] { return false; }, o.timeout_s, [] { return false; });
  sender.join();
  cpu.stop();
  pool.shutdown();
  server.shutdown();

  const std::vector<bool> write_ok(o.writes, true);
  fanout_totals totals = tracker.totals(counted, write_ok);
  describe_run(info, o, rate, log);
  info.source_addresses = o.source_addresses;
  print_report(info, totals, pool, cpu);
  return 0;
}

}  // namespace bench

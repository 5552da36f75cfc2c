// SPDX-License-Identifier: MIT
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "driver/clock.hpp"
#include "driver/cpu_probe.hpp"
#include "scenarios/fanout_common.hpp"
#include "clients/http_client.hpp"
#include "clients/request_driver.hpp"
#include "scenarios/scenarios.hpp"
#include "driver/target.hpp"

namespace bench {

namespace {

constexpr const char* sensors_path = "/api/v1/test-sensors/";
constexpr std::chrono::milliseconds request_timeout{30000};

// Sensors the update mode rewrites, one per writer, created before any
// subscriber connects.
std::vector<std::int64_t> create_update_targets(const bench_target& t, std::size_t n,
                                                const std::string& token) {
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < n; ++i) {
    const auto r = http_call(
        t.endpoint,
        make_http_request("POST", sensors_path, t.address.host_header(),
                          R"({"tipo":"bench","modelo":"setup","ubicacion":"bench"})", token),
        request_timeout);
    if (r.status != 201) {
      throw std::runtime_error(
          "creating a sensor to update failed: " +
          (r.error.empty() ? "HTTP " + std::to_string(r.status) + " " + r.body : r.error));
    }
    std::int64_t id = 0;
    const auto at = r.body.find("\"id\":");
    if (at != std::string::npos) {
      id = std::stoll(r.body.substr(at + 5));
    }
    if (id <= 0) {
      throw std::runtime_error("no id in the create response: " + r.body);
    }
    ids.push_back(id);
  }
  return ids;
}

// A read token scoped to the bench's sensors (--where tipo=bench), made with
// the daemon's CLI; returns once the running daemon accepts it.
std::string make_scoped_token(const bench_target& t) {
  const daemon_process& d = *t.daemon;
  const auto r = d.token_command(
      {"create", "--name", "bench-scoped", "--scopes", "read", "--where", "tipo=bench"});
  std::string token = r.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (r.exit_code != 0 || token.empty()) {
    throw std::runtime_error("creating the scoped token failed: " + r.all);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    const auto res = d.http().request("GET", "/api/v1/ws/stats", std::nullopt,
                                      {{"Authorization", "Bearer " + token}});
    if (res.status == 200) return token;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("the daemon did not pick up the scoped token");
}

}  // namespace

int run_fanout(const bench_options& o) {
  bench_target target = open_target(o);
  const std::string marker = make_marker_prefix();
  const bool update = o.mode == "update";
  const std::vector<std::int64_t> ids =
      update ? create_update_targets(target, o.writers, o.token) : std::vector<std::int64_t>{};
  const std::string host = target.address.host_header();

  auto make_request = [&](std::size_t i) {
    const std::string modelo = marker + "-" + std::to_string(i);
    if (update) {
      const std::string path = sensors_path + std::to_string(ids[i % ids.size()]);
      return make_http_request("PUT", path, host, R"({"modelo":")" + modelo + "\"}", o.token);
    }
    return make_http_request("POST", sensors_path, host,
                             R"({"tipo":"bench","modelo":")" + modelo + R"(","ubicacion":"bench"})",
                             o.token);
  };

  // write-latency: the same run, paced at 50 writes/s unless told otherwise.
  const bool write_latency = o.scenario == "write-latency";
  const double rate = write_latency && o.write_rate <= 0 ? 50.0 : o.write_rate;
  request_driver driver(target.endpoint, o.writes, o.writers, update ? 200 : 201, make_request,
                        request_timeout, rate, o.writer_threads);
  fanout_tracker tracker(o.subscribers, o.writes);

  pool_config pc;
  pc.uri = target.address.ws_uri("/api/v1/ws?channel=sensors");
  for (const std::string& u : o.subscriber_urls) {
    const auto a = parse_http_url(u);
    if (!a) throw std::invalid_argument("--subscriber-url: expected http://HOST:PORT, got " + u);
    pc.spread_uris.push_back(a->ws_uri("/api/v1/ws?channel=sensors"));
  }
  if (o.scoped_share > 0) {
    pc.scoped_uri =
        target.address.ws_uri("/api/v1/ws?channel=sensors&token=" + make_scoped_token(target));
    pc.scoped_share = o.scoped_share;
  }
  pc.count = o.subscribers;
  pc.batch = o.connect_batch;
  pc.batch_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(o.connect_timeout_s * 1000));
  pc.threads = o.threads;
  pc.marker_prefix = marker;
  pc.source_addresses = o.source_addresses;
  subscriber_pool pool(pc, [&](std::size_t s, const ws_message& m, std::int64_t recv) {
    const bool ours = m.write_index >= 0 && static_cast<std::size_t>(m.write_index) < o.writes;
    const std::int64_t sent = ours ? driver.sent_ns(static_cast<std::size_t>(m.write_index)) : 0;
    tracker.on_event(s, m, recv, sent);
  });

  const std::int64_t connect_start = now_ns();
  const std::size_t established = pool.connect_all();
  fanout_run_info info;
  info.connect_s = static_cast<double>(now_ns() - connect_start) / 1e9;
  const std::vector<bool> counted = pool.established_mask();
  std::fprintf(stderr, "fanout: %zu/%zu subscribers established in %.2f s\n", established,
               o.subscribers, info.connect_s);

  cpu_probe cpu(target.server_pid);
  cpu.start();
  driver.start();
  info.timed_out = wait_for_deliveries(
      tracker, [&] { return driver.done(); },
      [&] { return static_cast<std::uint64_t>(established) * driver.ok_count(); },
      [&] { return driver.errors() > 0; }, o.timeout_s,
      [&] { return target.daemon && !target.daemon->poll_exit().empty(); });
  cpu.stop();
  pool.shutdown();
  driver.stop();

  // The writer thread is joined: every driver field is stable now. Writes
  // that never completed (abort) count as errors.
  std::vector<bool> write_ok(o.writes);
  for (std::size_t i = 0; i < o.writes; ++i) {
    write_ok[i] = driver.ok(i);
  }
  fanout_totals totals = tracker.totals(counted, write_ok);

  info.scenario = o.scenario;
  info.source_addresses = o.source_addresses;
  info.subscriber_nodes = o.subscriber_urls.empty() ? 1 : o.subscriber_urls.size();
  info.subscribers = o.subscribers;
  info.scoped_subscribers =
      static_cast<std::size_t>(static_cast<double>(o.subscribers) * o.scoped_share);
  info.threads = o.threads;
  info.writers = o.writers;
  info.writes = o.writes;
  info.writes_ok = driver.ok_count();
  info.mode = o.mode;
  info.write_rate = rate;
  info.first_send_ns = driver.first_sent_ns();
  info.last_ack_ns = driver.last_completed_ns();
  info.write_errors = o.writes - info.writes_ok;
  info.write_error_samples = driver.error_samples();
  info.write_latencies_ms = driver.latencies_ms();

  json_report report;
  report.w().StartObject();
  write_fanout_fields(report.w(), info, totals, pool);
  write_fanout_cpu(report.w(), cpu, totals);
  const bool daemon_ok = finish_target(target, report.w());
  report.w().EndObject();
  std::printf("%s\n", report.str().c_str());
  const bool clean = daemon_ok && !info.timed_out && totals.missing == 0 &&
                     totals.duplicates == 0 && totals.out_of_order == 0 && info.write_errors == 0 &&
                     pool.failed() == 0 && pool.disconnects().empty() &&
                     (totals.expected > 0 || (write_latency && o.subscribers == 0));
  return o.check && !clean ? 3 : 0;
}

}  // namespace bench

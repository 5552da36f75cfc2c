// SPDX-License-Identifier: MIT
#include "scenarios/fanout_common.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>

#include "driver/clock.hpp"

namespace bench {

std::string make_marker_prefix() {
  std::random_device rd;
  char buf[16];
  std::snprintf(buf, sizeof buf, "b%08x", static_cast<unsigned>(rd()));
  return buf;
}

bool wait_for_deliveries(const fanout_tracker& tracker, const std::function<bool()>& writes_done,
                         const std::function<std::uint64_t()>& expected,
                         const std::function<bool()>& had_errors, double timeout_s,
                         const std::function<bool()>& abort) {
  std::int64_t done_at = 0;
  std::int64_t reached_at = 0;
  const auto timeout_ns = static_cast<std::int64_t>(timeout_s * 1e9);
  for (;;) {
    if (abort()) {
      return true;
    }
    const std::int64_t now = now_ns();
    if (done_at == 0 && writes_done()) {
      done_at = now;
    }
    if (done_at != 0) {
      if (tracker.unique() >= expected()) {
        // Deliveries of failed writes also count as unique: with write
        // errors, allow a short grace period for the rest.
        if (!had_errors()) {
          return false;
        }
        if (reached_at == 0) {
          reached_at = now;
        }
        if (now - reached_at > 500'000'000) {
          return false;
        }
      }
      if (now - done_at > timeout_ns) {
        return true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

void write_fanout_fields(json_writer& w, const fanout_run_info& info, fanout_totals& totals,
                         const subscriber_pool& pool) {
  const auto mask = pool.established_mask();
  const auto established = static_cast<std::uint64_t>(std::count(mask.begin(), mask.end(), true));
  const std::int64_t end = std::max(totals.last_delivery_ns, info.last_ack_ns);
  const double elapsed_s = info.first_send_ns > 0 && end > info.first_send_ns
                               ? static_cast<double>(end - info.first_send_ns) / 1e9
                               : 0.0;
  const double ack_span_s = info.first_send_ns > 0 && info.last_ack_ns > info.first_send_ns
                                ? static_cast<double>(info.last_ack_ns - info.first_send_ns) / 1e9
                                : 0.0;

  w.Key("scenario");
  w.String(info.scenario.c_str());
  w.Key("subscribers");
  w.Uint64(info.subscribers);
  w.Key("scoped_subscribers");
  w.Uint64(info.scoped_subscribers);
  w.Key("subscribers_established");
  w.Uint64(established);
  w.Key("established");
  w.Uint64(established);
  w.Key("subscriber_nodes");
  w.Uint64(info.subscriber_nodes);
  w.Key("source_addresses");
  w.Uint(info.source_addresses);
  w.Key("threads");
  w.Uint(info.threads);
  w.Key("writers");
  w.Uint64(info.writers);
  w.Key("writes");
  w.Uint64(info.writes);
  w.Key("writes_ok");
  w.Uint64(info.writes_ok);
  w.Key("mode");
  w.String(info.mode.c_str());
  w.Key("write_rate");
  w.Double(info.write_rate);
  w.Key("events_expected");
  w.Uint64(totals.expected);
  w.Key("deliveries");
  w.Uint64(totals.deliveries);
  w.Key("deliveries_per_s");
  w.Double(elapsed_s > 0 ? static_cast<double>(totals.deliveries) / elapsed_s : 0.0);
  w.Key("elapsed_s");
  w.Double(elapsed_s);
  w.Key("writes_per_s");
  w.Double(ack_span_s > 0 ? static_cast<double>(info.writes_ok) / ack_span_s : 0.0);
  write_latency(w, "latency_ms", summarize(totals.latencies_ms));
  if (!info.write_latencies_ms.empty()) {
    std::vector<float> copy = info.write_latencies_ms;
    write_latency(w, "write_latency_ms", summarize(copy));
  }
  w.Key("missing");
  w.Uint64(totals.missing);
  w.Key("duplicates");
  w.Uint64(totals.duplicates);
  w.Key("out_of_order");
  w.Uint64(totals.out_of_order);
  w.Key("foreign_events");
  w.Uint64(totals.foreign);
  w.Key("write_errors");
  w.Uint64(info.write_errors);
  if (!info.write_error_samples.empty()) {
    write_strings(w, "write_error_samples", info.write_error_samples);
  }
  w.Key("subscribers_failed");
  w.Uint64(pool.failed());
  const auto failures = pool.failure_samples();
  if (!failures.empty()) {
    write_strings(w, "subscriber_failure_samples", failures);
  }
  const auto disconnects = pool.disconnects();
  w.Key("disconnects");
  w.Uint64(disconnects.size());
  if (!disconnects.empty()) {
    std::vector<std::string> notes;
    for (std::size_t i = 0; i < disconnects.size() && i < 5; ++i) {
      notes.push_back("subscriber " + std::to_string(disconnects[i].subscriber) + ": code " +
                      std::to_string(disconnects[i].code) + " " + disconnects[i].reason);
    }
    write_strings(w, "disconnect_samples", notes);
  }
  w.Key("connect_s");
  w.Double(info.connect_s);
  w.Key("timed_out");
  w.Bool(info.timed_out);
  w.Key("bench_cpu_s");
  w.Double(process_cpu_seconds());
}

void write_fanout_cpu(json_writer& w, const cpu_probe& cpu, const fanout_totals& totals) {
  cpu.write(w);
  if (cpu.server_known() && totals.deliveries > 0) {
    w.Key("server_cpu_us_per_delivery");
    w.Double(cpu.server_cpu_s() * 1e6 / static_cast<double>(totals.deliveries));
  }
}

}  // namespace bench

// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scenarios/fanout_tracker.hpp"
#include "driver/report.hpp"
#include "clients/subscriber_pool.hpp"
#include "driver/cpu_probe.hpp"

namespace bench {

// What a fan-out style run (fanout, broadcast-baseline) reports besides the
// tracker totals.
struct fanout_run_info {
  std::string scenario;
  std::size_t subscribers = 0;
  std::size_t scoped_subscribers = 0;  // of them, on a scoped token (--scoped-share)
  unsigned threads = 1;
  unsigned source_addresses = 1;
  std::size_t subscriber_nodes = 1;  // servers the subscribers are spread over (--subscriber-url)
  std::size_t writers = 0;
  std::size_t writes = 0;
  std::size_t writes_ok = 0;
  std::string mode;
  double write_rate = 0;  // requested writes/s, 0 = closed loop
  double connect_s = 0;
  std::int64_t first_send_ns = 0;
  std::int64_t last_ack_ns = 0;
  std::size_t write_errors = 0;
  std::vector<std::string> write_error_samples;
  std::vector<float> write_latencies_ms;  // empty: not reported
  bool timed_out = false;
};

// A random "b0123abcd" tag for data.modelo so this run's events are told
// apart from anyone else's.
std::string make_marker_prefix();

// Blocks until the writes are done and `expected()` unique deliveries
// arrived, or `timeout_s` after the writes ended, or abort() says stop.
// Returns true on timeout/abort.
bool wait_for_deliveries(const fanout_tracker& tracker, const std::function<bool()>& writes_done,
                         const std::function<std::uint64_t()>& expected,
                         const std::function<bool()>& had_errors, double timeout_s,
                         const std::function<bool()>& abort);

// Writes the fields of the fan-out report (inside an open JSON object).
void write_fanout_fields(json_writer& w, const fanout_run_info& info, fanout_totals& totals,
                         const subscriber_pool& pool);

}  // namespace bench

namespace bench {

// Writes the probe's "load_generator"/"server" objects and, when the server
// CPU is known and something was delivered, "server_cpu_us_per_delivery".
void write_fanout_cpu(json_writer& w, const cpu_probe& cpu, const fanout_totals& totals);

}  // namespace bench

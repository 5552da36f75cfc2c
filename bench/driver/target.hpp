// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>

#include <sys/types.h>

#include <asio/ip/tcp.hpp>

#include "driver/options.hpp"
#include "support/daemon_process.hpp"
#include "driver/report.hpp"
#include "driver/url.hpp"

namespace bench {

using sensorhub::testing::daemon_process;

// The daemon under test: either given by --url or started by the bench
// (--daemon), with what is needed to reach it and to report on it.
// Thread-safety: one owner thread.
struct bench_target {
  server_address address;
  asio::ip::tcp::endpoint endpoint;
  std::unique_ptr<daemon_process> daemon;
  std::string temp_dir;   // created by the bench for the database, removed at the end
  pid_t server_pid = -1;  // the started daemon, or --pid; -1 when unknown

  bench_target() = default;
  bench_target(bench_target&&) = default;
  bench_target& operator=(bench_target&&) = default;
  ~bench_target();
};

// Connects to --url or starts --daemon (--config DB.bench-config.json
// lifting the per-address limits, --host 127.0.0.1 --port 0 --test-endpoints
// --no-auth --db DB, then the --daemon-arg values) and waits for its
// listening line. Throws std::runtime_error.
bench_target open_target(const bench_options& options);

// If the bench started the daemon: measures it, stops it with SIGTERM and
// writes "daemon": {"cpu_s","peak_rss_mb","died_during_run","exit","log"}.
// Returns false when that daemon died or did not exit 0 on SIGTERM.
bool finish_target(bench_target& target, json_writer& w);

}  // namespace bench

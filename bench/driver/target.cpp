// SPDX-License-Identifier: MIT
#include "driver/target.hpp"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "clients/http_client.hpp"

namespace bench {

bench_target::~bench_target() {
  daemon.reset();
  if (!temp_dir.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir, ec);
  }
}

bench_target open_target(const bench_options& options) {
  bench_target t;
  if (!options.url.empty()) {
    if (options.scoped_share > 0) {
      throw std::runtime_error("--scoped-share needs --daemon (the bench makes the scoped token)");
    }
    const auto address = parse_http_url(options.url);
    if (!address) {
      throw std::runtime_error("--url must look like http://HOST:PORT");
    }
    t.address = *address;
    if (options.pid > 0) t.server_pid = options.pid;
  } else {
    std::string db = options.db_path;
    if (db.empty()) {
      std::string pattern = "/tmp/sensorhub-bench-XXXXXX";
      if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("mkdtemp failed");
      }
      t.temp_dir = pattern;
      db = pattern + "/bench.db";
    }
    const std::string log = options.daemon_log.empty() ? db + ".log" : options.daemon_log;
    std::vector<std::string> args;
    // Every bench client comes from 127.0.0.x: lift the per-address caps
    // (--no-auth turns off the rate limits but not the WebSocket cap) and the
    // total connection cap (10,000 by default; idle-rss opens 19,000),
    // unless the caller brings a --config of its own.
    const bool own_config = std::find(options.daemon_args.begin(), options.daemon_args.end(),
                                      "--config") != options.daemon_args.end();
    if (!own_config) {
      const std::string config = db + ".bench-config.json";
      std::ofstream out(config, std::ios::trunc);
      out << R"({"limits":{"max_connections_per_address":0,"max_connections":100000,)"
          << R"("write_rate_per_s":0,"message_rate_per_s":0}})" << '\n';
      if (!out) {
        throw std::runtime_error("cannot write " + config);
      }
      args = {"--config", config};
    }
    std::vector<std::string> fixed = {"--host", "127.0.0.1", "--test-endpoints", "--no-auth"};
    // Scoped subscribers need tokens checked; the bench's writes go to the
    // open /test-sensors/ routes and the config above lifts the rate limits.
    if (options.scoped_share > 0) fixed.pop_back();
    args.insert(args.end(), fixed.begin(), fixed.end());
    args.insert(args.end(), options.daemon_args.begin(), options.daemon_args.end());
    // tests/support's launcher adds --port 0 --db DB; the daemon gets SIGTERM
    // if the bench dies.
    sensorhub::testing::daemon_options d;
    d.binary = options.daemon_path;
    d.flags = std::move(args);
    d.db = db;
    d.log_file = log;
    d.parent_death_signal = SIGTERM;
    d.start_timeout = std::chrono::seconds(30);
    t.daemon = std::make_unique<daemon_process>(std::move(d));
    t.address = server_address{t.daemon->host(), t.daemon->port()};
    t.server_pid = t.daemon->pid();
  }
  t.endpoint = resolve_endpoint(t.address.host, t.address.port);
  return t;
}

bool finish_target(bench_target& target, json_writer& w) {
  if (!target.daemon) {
    return true;
  }
  daemon_process& d = *target.daemon;
  const std::string died = d.poll_exit();
  w.Key("daemon");
  w.StartObject();
  if (died.empty()) {
    w.Key("cpu_s");
    w.Double(d.cpu_seconds());
    w.Key("peak_rss_mb");
    w.Double(d.peak_rss_mb());
  }
  w.Key("died_during_run");
  w.Bool(!died.empty());
  const std::string how = died.empty() ? d.stop(std::chrono::seconds(15)) : died;
  w.Key("exit");
  w.String(how.c_str());
  if (how != "exit 0") {
    w.Key("log");
    w.String(d.log_path().string().c_str());
    target.temp_dir.clear();  // keep the log for a post-mortem
  }
  w.EndObject();
  return died.empty() && how == "exit 0";
}

}  // namespace bench

// SPDX-License-Identifier: MIT
// sensorhub_soak: an hour (or --duration) of mixed load against the real
// daemon with a kill -9 every --kill-every seconds, then the accounting of
// every acknowledged write and every event (docs/reliability.md).
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>
#include <vector>

#include "daemon_runner.hpp"
#include "soak_state.hpp"
#include "sensorhub/version.hpp"
#include "subscriber.hpp"
#include "support/process_stats.hpp"
#include "support/http_client.hpp"
#include "verify.hpp"
#include "writer.hpp"

namespace sensorhub::soak {
namespace {

using steady = std::chrono::steady_clock;

double seconds_since(steady::time_point t0) {
  return std::chrono::duration<double>(steady::now() - t0).count();
}

// GET /api/v1/ws/stats member as an integer (-1 if the daemon is down).
std::int64_t stats_value(const shared_state& s, const char* member) {
  try {
    const auto r = testing::http_client(s.host, static_cast<std::uint16_t>(s.port.load()))
                       .get("/api/v1/ws/stats");
    return r.status == 200 ? r.json()[member].i64().value_or(-1) : -1;
  } catch (const std::exception&) {
    return -1;
  }
}

// Samples the daemon every period into the CSV until `stop`.
struct sample {
  long rss_kib = 0;
  long fds = 0;
};

void run_sampler(const soak_options& o, shared_state& s, const std::atomic<pid_t>& pid,
                 std::atomic<bool>& stop, steady::time_point t0, std::vector<sample>& out) {
  std::ofstream csv(o.out_dir + "/samples.csv");
  csv << "t_s,pid,rss_kib,fds,connections,events_received,writes_acked,writes_unknown,kills\n";
  while (!stop.load()) {
    const pid_t p = pid.load();
    const sample now{static_cast<long>(testing::vm_rss_kib(p)), testing::open_fd_count(p)};
    if (now.rss_kib > 0) out.push_back(now);
    char line[256];
    std::snprintf(line, sizeof line, "%.1f,%d,%ld,%ld,%lld,%lld,%lld,%lld,%d\n", seconds_since(t0),
                  static_cast<int>(p), now.rss_kib, now.fds,
                  static_cast<long long>(stats_value(s, "total_connections")),
                  static_cast<long long>(s.events_received.load()),
                  static_cast<long long>(s.writes_acked.load()),
                  static_cast<long long>(s.writes_unknown.load()), s.kills.load());
    csv << line << std::flush;
    const auto until = steady::now() + std::chrono::duration<double>(o.sample_s);
    while (!stop.load() && steady::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
}

void write_config(const soak_options& o) {
  std::ofstream(o.out_dir + "/daemon.json")
      << R"({"limits":{"write_rate_per_s":0,"message_rate_per_s":0,)"
      << R"("max_connections_per_address":0,"backlog_bytes":)" << o.backlog_bytes << "}}\n";
}

soak_options parse(int argc, char** argv) {
  soak_options o;
  CLI::App app{"sensorhub_soak: mixed load with kill -9, then every write and event accounted"};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", std::string("sensorhub_soak ") + SENSORHUB_VERSION);
  app.add_option("--daemon", o.daemon, "sensorhubd binary")->required();
  app.add_option("--out", o.out_dir, "directory for samples.csv, summary.txt, the db and log");
  app.add_option("--duration", o.duration_s, "seconds of load");
  app.add_option("--kill-every", o.kill_every_s, "seconds between SIGKILLs (0: never)");
  app.add_option("--sample", o.sample_s, "seconds between samples");
  app.add_option("--writers", o.writers);
  app.add_option("--auditors", o.auditors);
  app.add_option("--churners", o.churners);
  app.add_option("--slow-readers", o.slow_readers);
  app.add_option("--write-pause-ms", o.write_pause_ms, "pause between one writer's requests");
  app.add_option("--backlog-bytes", o.backlog_bytes, "the daemon's per-subscriber limit");
  app.add_option("--seed", o.seed);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    std::exit(app.exit(e));
  }
  return o;
}

}  // namespace
}  // namespace sensorhub::soak

namespace sensorhub::soak {
namespace {

// The threads of the load, started together and joined by phase.
struct load {
  std::vector<writer_ledger> ledgers;
  std::vector<subscriber_record> subscribers;
  std::vector<std::thread> writer_threads, subscriber_threads;
  std::atomic<std::int64_t> tokens{0};

  void start(const soak_options& o, shared_state& s) {
    ledgers.resize(static_cast<std::size_t>(o.writers));
    for (int i = 0; i < o.writers; ++i) {
      writer_threads.emplace_back([&, i] {
        run_writer(i, o.seed, s, tokens, o.write_pause_ms, ledgers[static_cast<std::size_t>(i)]);
      });
    }
    auto add = [&](const char* role, int n) {
      for (int i = 0; i < n; ++i) subscribers.push_back(subscriber_record{role, i, {}, 0, 0, {}});
    };
    add("auditor", o.auditors);
    add("churner", o.churners);
    add("slow", o.slow_readers);
    for (std::size_t i = 0; i < subscribers.size(); ++i) {
      subscriber_threads.emplace_back([&, i] {
        run_subscriber(o.seed * 1000003u + static_cast<unsigned>(i), s, subscribers[i]);
      });
    }
  }
};

// How the subscribers' connections ended, by role ("slow:1008" -> count).
std::map<std::string, int> connection_ends(const std::vector<subscriber_record>& subs) {
  std::map<std::string, int> ends;
  for (const auto& s : subs) {
    for (const auto& seg : s.segments) ++ends[s.role + ":" + (seg.end.empty() ? "open" : seg.end)];
  }
  return ends;
}

// The load phase: kills and restarts on schedule until the duration is over.
// Returns how long the slowest restart took (ms).
double drive(const soak_options& o, shared_state& s, daemon_runner& d, std::atomic<pid_t>& pid,
             std::vector<std::string>& failures) {
  const auto t0 = steady::now();
  const auto end = t0 + std::chrono::seconds(o.duration_s);
  auto next_kill = t0 + std::chrono::seconds(o.kill_every_s);
  double slowest_restart_ms = 0;
  while (steady::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    const bool died = !d.running();
    if (died)
      failures.push_back("the daemon died on its own at t=" + std::to_string(seconds_since(t0)));
    // Kills at kill_every, 2 * kill_every, ... before the end (none at it).
    if (!died && (o.kill_every_s <= 0 || steady::now() < next_kill || next_kill >= end)) continue;
    if (!died) {
      d.kill9();
      ++s.kills;
      next_kill += std::chrono::seconds(o.kill_every_s);
    }
    const auto r0 = steady::now();
    d.start();
    pid = d.pid();
    slowest_restart_ms = std::max(slowest_restart_ms, seconds_since(r0) * 1000);
  }
  return slowest_restart_ms;
}

}  // namespace
}  // namespace sensorhub::soak

namespace sensorhub::soak {
namespace {

// What the run left for the summary, besides the verdict.
struct run_result {
  std::vector<std::string> failures;
  std::vector<sample> samples;
  std::int64_t target = -1;  // last seq when the writers stopped
  double slowest_restart_ms = 0;
  std::string stopped;  // how the clean stop ended
};

// Stops the writers, lets every auditor read up to the last seq (at most
// 120 s), then stops the subscribers.
std::int64_t finish_load(shared_state& s, load& l) {
  s.writers_stop = true;
  for (auto& t : l.writer_threads) t.join();
  std::int64_t target = -1;
  for (int i = 0; i < 100 && target < 0; ++i) {
    target = stats_value(s, "last_seq");
    if (target < 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  s.drain_target = target;
  s.draining = true;
  std::thread deadline([&] {
    for (int i = 0; i < 1200 && !s.subscribers_stop.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    s.subscribers_stop = true;
  });
  for (auto& t : l.subscriber_threads) t.join();
  s.subscribers_stop = true;
  deadline.join();
  return target;
}

// The load, the kills, the drain and the clean stop.
run_result run(const soak_options& o, shared_state& s, daemon_runner& d, load& l) {
  run_result r;
  d.start();
  s.port = d.port();
  std::atomic<pid_t> pid{d.pid()};
  std::atomic<bool> sampler_stop{false};
  const auto t0 = steady::now();
  std::thread sampler([&] { run_sampler(o, s, pid, sampler_stop, t0, r.samples); });
  l.start(o, s);
  try {
    r.slowest_restart_ms = drive(o, s, d, pid, r.failures);
  } catch (const std::exception& e) {
    r.failures.push_back(std::string("restart failed: ") + e.what());
  }
  r.target = finish_load(s, l);
  sampler_stop = true;
  sampler.join();
  r.stopped = d.stop();
  if (r.stopped != "exit 0") r.failures.push_back("clean stop ended with " + r.stopped);
  return r;
}

void write_summary(std::ostream& out, const soak_options& o, const shared_state& s, const load& l,
                   const run_result& r, const verdict& v) {
  std::int64_t batches = 0, batch_items = 0;
  for (const auto& led : l.ledgers) batches += led.batches, batch_items += led.batch_items;
  long rss_max = 0;
  long fds_max = 0;
  for (const auto& x : r.samples) {
    rss_max = std::max(rss_max, x.rss_kib);
    fds_max = std::max(fds_max, x.fds);
  }
  const sample first = r.samples.empty() ? sample{} : r.samples.front();
  const sample last = r.samples.empty() ? sample{} : r.samples.back();
  out << "soak: " << o.duration_s << " s, kill -9 every " << o.kill_every_s << " s, " << o.writers
      << " writers, " << o.auditors << " auditors, " << o.churners << " churners, "
      << o.slow_readers << " slow readers, backlog limit " << o.backlog_bytes << " B\n"
      << "kills: " << s.kills << " (slowest restart " << static_cast<int>(r.slowest_restart_ms)
      << " ms)\n"
      << "writes acknowledged: " << s.writes_acked << " (" << batches << " batches sent, "
      << batch_items << " batch items acknowledged)\n"
      << "writes unknown (response lost to a kill): " << s.writes_unknown
      << "; rows they left: " << v.unknown_landed << "\n"
      << "writes rejected (unexpected status): " << s.writes_rejected << "\n"
      << "acknowledged entities checked in the database: " << v.acked_checked << "\n"
      << "database: " << v.sensors_in_db << " sensors, " << v.readings_in_db << " readings, "
      << v.events_stored << " events, last seq " << v.last_seq << "\n"
      << "subscribers: " << s.joins << " connections, " << s.resumes << " resumes with since, "
      << s.cuts_1008 << " closed 1008, " << s.events_received << " events received\n"
      << "checked: " << v.segments_checked << " connections, " << v.seqs_checked
      << " seqs against the stored events; auditors had to reach seq " << r.target << "\n"
      << "daemon RSS: first " << first.rss_kib / 1024 << " MiB, max " << rss_max / 1024
      << " MiB, last " << last.rss_kib / 1024 << " MiB; open fds: first " << first.fds << ", max "
      << fds_max << ", last " << last.fds << "\n"
      << "clean stop: " << r.stopped << "\n"
      << "connection ends:";
  for (const auto& [role_end, n] : connection_ends(l.subscribers))
    out << " " << role_end << "=" << n;
  out << "\n";
  for (const auto& f : r.failures) out << "FAIL: " << f << "\n";
  out << (r.failures.empty() ? "PASS" : "FAIL") << "\n";
}

}  // namespace
}  // namespace sensorhub::soak

int main(int argc, char** argv) {
  using namespace sensorhub::soak;
  const soak_options o = parse(argc, argv);
  namespace fs = std::filesystem;
  fs::create_directories(o.out_dir);
  for (const char* f : {"soak.db", "soak.db-wal", "soak.db-shm", "daemon.log"}) {
    fs::remove(fs::path(o.out_dir) / f);
  }
  write_config(o);
  shared_state s;
  daemon_runner d(o.daemon, o.out_dir);
  load l;
  run_result r;
  try {
    r = run(o, s, d, l);
  } catch (const std::exception& e) {
    std::cerr << "soak: " << e.what() << "\n";
    return 2;
  }
  const verdict v = verify(d.db(), l.ledgers, l.subscribers, r.target);
  r.failures.insert(r.failures.end(), v.failures.begin(), v.failures.end());
  std::ostringstream out;
  write_summary(out, o, s, l, r, v);
  std::cout << out.str();
  std::ofstream(o.out_dir + "/summary.txt") << out.str();
  return r.failures.empty() ? 0 : 1;
}

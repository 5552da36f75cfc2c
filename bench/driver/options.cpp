// SPDX-License-Identifier: MIT
#include "driver/options.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <vector>

#include "sensorhub/version.hpp"

namespace bench {

namespace {

const char* const description =
    R"(sensorhub_bench: load generator for sensorhubd (docs/performance.md).

Scenarios:
  fanout              N WebSocket subscribers on channel=sensors, C writers do K writes;
                      reports deliveries/s, write->event latency, missing/duplicate/out-of-order
  resume              preload M readings, one subscriber with channel=readings&since=S
                      replays them; reports events/s replayed and completeness
  broadcast-baseline  same subscribers and report as fanout, but against a minimal
                      websocketpp server inside this process (no HTTP, no SQLite)
  healthz-baseline    C clients do K GET /healthz on fresh connections (HTTP floor)
  rest-create         C clients do K POST /test-sensors/ on keep-alive connections;
                      creates/s and latency percentiles
  rest-get            the same with K GET /test-sensors/{id} over min(K, 1000) sensors
  ingest              C clients POST --events readings to /lecturas/batch, --batch-size
                      per request; readings/s (needs --no-auth on the server, or --token)
  idle-rss            open N greeted idle WebSockets; server RSS before/after and per
                      connection (needs the server pid: --daemon, or --pid with --url)
  write-latency       REST write latency at --write-rate (default 50/s) while N
                      subscribers (0 allowed) receive the fan-out

Target (one of): --url http://HOST:PORT (a running sensorhubd started with
--test-endpoints) or --daemon PATH (started as PATH --host 127.0.0.1 --port 0
--test-endpoints --no-auth).)";

const char* const footer = "Output: one JSON object on stdout.";

// A number >= 0 (CLI11 itself would wrap "-1" into a huge size_t).
const CLI::Validator non_negative(
    [](std::string& v) -> std::string {
      if (!v.empty() && v.front() == '-') return "must not be negative, got '" + v + "'";
      return {};
    },
    "NUMBER>=0");

// A plain decimal integer >= 0. CLI11 converts with base 0 ("010" would be
// 8) and wraps "-1" into a huge size_t; leading zeros are dropped here.
const CLI::Validator decimal_count(
    [](std::string& v) -> std::string {
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos)
        return "needs a non-negative integer, got '" + v + "'";
      v.erase(0, std::min(v.find_first_not_of('0'), v.size() - 1));
      return {};
    },
    "N");

// An integer >= 1.
const CLI::Validator at_least_one(
    [](std::string& v) -> std::string {
      if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos ||
          v.find_first_not_of('0') == std::string::npos)
        return "must be at least 1, got '" + v + "'";
      v.erase(0, v.find_first_not_of('0'));
      return {};
    },
    "N>=1");

// Declares every flag on `app`, bound to `o`.
void add_flags(CLI::App& app, bench_options& o) {
  app.add_option("--scenario", o.scenario, "one of the scenarios above")
      ->check(CLI::IsMember({"fanout", "resume", "broadcast-baseline", "healthz-baseline",
                             "rest-create", "rest-get", "ingest", "idle-rss", "write-latency"}));
  app.add_option("--url", o.url, "a running sensorhubd: http://HOST:PORT");
  app.add_option("--subscriber-url", o.subscriber_urls,
                 "fanout, write-latency: spread the subscribers round-robin over these servers "
                 "(repeatable: several nodes on one PostgreSQL database, SPEC 12); the writes "
                 "still go to --url or --daemon")
      ->allow_extra_args(false);
  app.add_option("--daemon", o.daemon_path, "start this sensorhubd");
  app.add_option("--db", o.db_path, "database for the started daemon (default: fresh temp file)");
  app.add_option("--daemon-log", o.daemon_log, "daemon output (default: DB.log)");
  app.add_option("--daemon-arg", o.daemon_args, "extra daemon argument (repeatable)")
      ->allow_extra_args(false);
  app.add_option("--subscribers", o.subscribers, "WebSocket subscribers (1)")
      ->transform(decimal_count);
  app.add_option("--writers", o.writers, "concurrent writers (4)")->transform(at_least_one);
  app.add_option("--writes", o.writes, "writes in total (2000)")->transform(decimal_count);
  app.add_option("--write-rate", o.write_rate,
                 "fanout: writes/s in total, open loop (0: each writer sends its next write "
                 "when the previous one was answered)")
      ->check(non_negative);
  app.add_option("--mode", o.mode, "create: POST /test-sensors/, update: PUT /test-sensors/{id}")
      ->check(CLI::IsMember({"create", "update"}));
  app.add_option("--threads", o.threads, "subscriber client threads, one epoll set each (1)")
      ->transform(decimal_count)
      ->check(CLI::Range(1u, 16u));
  app.add_option("--writer-threads", o.writer_threads, "threads of the HTTP clients (1)")
      ->transform(decimal_count)
      ->check(CLI::Range(1u, 16u));
  app.add_option("--source-addresses", o.source_addresses,
                 "subscriber i binds 127.0.0.(1 + i % N) before connecting, to spread many "
                 "connections over addresses (1: no bind)")
      ->transform(decimal_count)
      ->check(CLI::Range(1u, 254u));
  app.add_option("--pid", o.pid,
                 "with --url: the server's pid, for its CPU and RSS (/proc/PID); --daemon knows it")
      ->transform(decimal_count);
  app.add_option("--connect-batch", o.connect_batch, "subscribers opened per batch (100)")
      ->transform(at_least_one);
  app.add_option("--connect-timeout", o.connect_timeout_s,
                 "seconds for a batch of subscribers to be established (60)")
      ->check(non_negative);
  app.add_option("--timeout", o.timeout_s,
                 "seconds to wait for outstanding events after the last write (60)")
      ->check(non_negative);
  app.add_option("--events", o.events, "resume: events to preload; ingest: readings (100000)")
      ->transform(decimal_count);
  app.add_option("--batch-size", o.batch_size,
                 "resume, ingest: readings per POST /lecturas/batch (10000)")
      ->transform(at_least_one);
  app.add_flag("--reconnect", o.reconnect,
               "resume: when dropped (e.g. 1008 slow consumer), reconnect with since=<last seq "
               "received> and go on; counts reconnects");
  app.add_option("--consume-delay-us", o.consume_delay_us,
                 "resume: the subscriber sleeps U microseconds per event, to act as a client "
                 "that reads slower than the local bench")
      ->transform(decimal_count);
  app.add_option("--rate", o.rate, "broadcast-baseline: events per second (default 500)")
      ->check(non_negative);
  app.add_option("--scoped-share", o.scoped_share,
                 "fanout: this share of the subscribers (0..1) connect with a read token scoped "
                 "with --where tipo=bench (SPEC 7.1), which every bench write matches; the daemon "
                 "then runs with auth on (needs --daemon)")
      ->check(CLI::Range(0.0, 1.0));
  app.add_option("--token", o.token, "bearer token for writes (not needed with --no-auth)");
  app.add_flag("--check", o.check,
               "fanout/resume: exit 3 unless every expected event arrived exactly once and in "
               "order, with no write error, disconnect or daemon crash");
}

void make_app(CLI::App& app, bench_options& o) {
  app.description(description);
  app.footer(footer);
  app.set_version_flag("--version", std::string("sensorhub_bench ") + SENSORHUB_VERSION);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  add_flags(app, o);
  // --daemon-arg collects every value it is given.
  app.get_option("--daemon-arg")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.get_option("--subscriber-url")->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
}

}  // namespace

std::string usage_text() {
  bench_options o;
  CLI::App app("", "sensorhub_bench");
  make_app(app, o);
  return app.help();
}

bench_options parse_options(int argc, char** argv) {
  // "--daemon-arg --flag" passes "--flag" on verbatim: join each such pair
  // so that CLI11 does not take the value for one of our own flags.
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) args.emplace_back(argv[i]);  // CLI11 wants them reversed
  for (std::size_t i = args.size(); i-- > 1;) {
    if (args[i] == "--daemon-arg") {
      args[i] += "=" + args[i - 1];
      args.erase(args.begin() + static_cast<std::ptrdiff_t>(i - 1));
    }
  }

  bench_options o;
  CLI::App app("", "sensorhub_bench");
  make_app(app, o);
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp&) {
    o.help = true;
    return o;
  } catch (const CLI::CallForVersion&) {
    o.version = true;
    return o;
  } catch (const CLI::ParseError& e) {
    throw std::invalid_argument(e.what());
  }
  if (o.scenario.empty()) {
    throw std::invalid_argument("--scenario is required");
  }
  const bool needs_target = o.scenario != "broadcast-baseline";
  if (needs_target && o.url.empty() == o.daemon_path.empty()) {
    throw std::invalid_argument("give exactly one of --url and --daemon");
  }
  return o;
}

}  // namespace bench

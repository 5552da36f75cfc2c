#include "options.hpp"

#include <charconv>
#include <stdexcept>

namespace bench {

namespace {

std::size_t to_size(const std::string& flag, const std::string& value) {
  std::size_t out = 0;
  const char* last = value.data() + value.size();
  const auto [ptr, ec] = std::from_chars(value.data(), last, out);
  if (ec != std::errc() || ptr != last) {
    throw std::invalid_argument(flag + " needs a non-negative integer, got '" + value + "'");
  }
  return out;
}

double to_double(const std::string& flag, const std::string& value) {
  std::size_t used = 0;
  double out = 0;
  try {
    out = std::stod(value, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != value.size() || !(out >= 0)) {
    throw std::invalid_argument(flag + " needs a non-negative number, got '" + value + "'");
  }
  return out;
}

}  // namespace

const char* usage_text() {
  return R"(sensorhub_bench --scenario NAME [target] [options]

Scenarios:
  fanout              N WebSocket subscribers on channel=sensors, C writers do K writes;
                      reports deliveries/s, write->event latency, missing/duplicate/out-of-order
  resume              preload M readings, one subscriber with channel=readings&since=S
                      replays them; reports events/s replayed and completeness
  broadcast-baseline  same subscribers and report as fanout, but against a minimal
                      websocketpp server inside this process (no HTTP, no SQLite)
  healthz-baseline    C clients do K GET /healthz on fresh connections (HTTP floor)

Target (one of):
  --url http://HOST:PORT     a running sensorhubd (started with --test-endpoints)
  --daemon PATH              start PATH --host 127.0.0.1 --port 0 --test-endpoints --no-auth
    --db PATH                database for the started daemon (default: fresh temp file)
    --daemon-log PATH        daemon output (default: DB.log)
    --daemon-arg ARG         extra daemon argument (repeatable)

Options:
  --subscribers N   (1)        --writers C (4)         --writes K (2000)
  --write-rate R    (0) fanout: writes/s in total, open loop (0: each writer sends its
                    next write when the previous one was answered)
  --mode create|update (create: POST /test-sensors/, update: PUT /test-sensors/{id})
  --threads T       (1)  subscriber io threads
  --connect-batch B (100) subscribers opened per batch
  --connect-timeout S (60) seconds for a batch of subscribers to be established
  --timeout S       (60) seconds to wait for outstanding events after the last write
  --events M        (100000) resume: events to preload
  --batch-size B    (10000) resume: readings per POST /lecturas/batch
  --reconnect       resume: when dropped (e.g. 1008 slow consumer), reconnect with
                    since=<last seq received> and go on; counts reconnects
  --consume-delay-us U  resume: the subscriber sleeps U microseconds per event, to
                    act as a client that reads slower than the local bench
  --rate R          broadcast-baseline: events per second (default 500)
  --token T         bearer token for writes (not needed with --no-auth)
  --check           fanout/resume: exit 3 unless every expected event arrived exactly
                    once and in order, with no write error, disconnect or daemon crash
Output: one JSON object on stdout.
)";
}

bench_options parse_options(int argc, char** argv) {
  bench_options o;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      o.help = true;
      continue;
    }
    if (flag == "--check") {
      o.check = true;
      continue;
    }
    if (flag == "--reconnect") {
      o.reconnect = true;
      continue;
    }
    if (i + 1 >= argc) {
      throw std::invalid_argument("missing value for " + flag);
    }
    const std::string value = argv[++i];
    if (flag == "--scenario") {
      o.scenario = value;
    } else if (flag == "--url") {
      o.url = value;
    } else if (flag == "--daemon") {
      o.daemon_path = value;
    } else if (flag == "--db") {
      o.db_path = value;
    } else if (flag == "--daemon-log") {
      o.daemon_log = value;
    } else if (flag == "--daemon-arg") {
      o.daemon_args.push_back(value);
    } else if (flag == "--token") {
      o.token = value;
    } else if (flag == "--subscribers") {
      o.subscribers = to_size(flag, value);
    } else if (flag == "--writers") {
      o.writers = to_size(flag, value);
    } else if (flag == "--writes") {
      o.writes = to_size(flag, value);
    } else if (flag == "--mode") {
      o.mode = value;
    } else if (flag == "--threads") {
      o.threads = static_cast<unsigned>(to_size(flag, value));
    } else if (flag == "--connect-batch") {
      o.connect_batch = to_size(flag, value);
    } else if (flag == "--connect-timeout") {
      o.connect_timeout_s = to_double(flag, value);
    } else if (flag == "--timeout") {
      o.timeout_s = to_double(flag, value);
    } else if (flag == "--events") {
      o.events = to_size(flag, value);
    } else if (flag == "--batch-size") {
      o.batch_size = to_size(flag, value);
    } else if (flag == "--rate") {
      o.rate = to_double(flag, value);
    } else if (flag == "--consume-delay-us") {
      o.consume_delay_us = to_size(flag, value);
    } else if (flag == "--write-rate") {
      o.write_rate = to_double(flag, value);
    } else {
      throw std::invalid_argument("unknown flag " + flag);
    }
  }
  if (o.help) {
    return o;
  }
  if (o.scenario.empty()) {
    throw std::invalid_argument("--scenario is required");
  }
  if (o.mode != "create" && o.mode != "update") {
    throw std::invalid_argument("--mode must be create or update");
  }
  if (o.threads < 1 || o.threads > 8) {
    throw std::invalid_argument("--threads must be 1..8");
  }
  if (o.writers < 1) {
    throw std::invalid_argument("--writers must be at least 1");
  }
  if (o.connect_batch < 1) {
    throw std::invalid_argument("--connect-batch must be at least 1");
  }
  if (o.batch_size < 1) {
    throw std::invalid_argument("--batch-size must be at least 1");
  }
  const bool needs_target = o.scenario != "broadcast-baseline";
  if (needs_target && o.url.empty() == o.daemon_path.empty()) {
    throw std::invalid_argument("give exactly one of --url and --daemon");
  }
  return o;
}

}  // namespace bench

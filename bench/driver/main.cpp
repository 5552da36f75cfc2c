// SPDX-License-Identifier: MIT
// sensorhub_bench: load generator for sensorhubd. See docs/performance.md.
#include <cstdio>
#include <exception>
#include <stdexcept>

#include <sys/resource.h>

#include "driver/options.hpp"
#include "scenarios/scenarios.hpp"
#include "sensorhub/version.hpp"

namespace {

// Many subscribers need many descriptors (the started daemon inherits this).
void raise_fd_limit() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) {
    return;
  }
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const bench::bench_options options = bench::parse_options(argc, argv);
    if (options.help) {
      std::fputs(bench::usage_text().c_str(), stdout);
      return 0;
    }
    if (options.version) {
      std::printf("sensorhub_bench %s\n", SENSORHUB_VERSION);
      return 0;
    }
    raise_fd_limit();
    if (options.scenario == "fanout" || options.scenario == "write-latency") {
      return bench::run_fanout(options);
    }
    if (options.scenario == "resume") {
      return bench::run_resume(options);
    }
    if (options.scenario == "broadcast-baseline") {
      return bench::run_broadcast_baseline(options);
    }
    if (options.scenario == "healthz-baseline") {
      return bench::run_healthz_baseline(options);
    }
    if (options.scenario == "rest-create") return bench::run_rest_create(options);
    if (options.scenario == "rest-get") return bench::run_rest_get(options);
    if (options.scenario == "ingest") return bench::run_ingest(options);
    if (options.scenario == "idle-rss") return bench::run_idle_rss(options);
    std::fprintf(stderr, "unknown scenario '%s'\n%s", options.scenario.c_str(),
                 bench::usage_text().c_str());
    return 2;
  } catch (const std::invalid_argument& e) {
    std::fprintf(stderr, "sensorhub_bench: %s\nRun with --help for more information.\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sensorhub_bench: %s\n", e.what());
    return 1;
  }
}

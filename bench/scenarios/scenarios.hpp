// SPDX-License-Identifier: MIT
#pragma once

#include "driver/options.hpp"

namespace bench {

// Each scenario prints one JSON object on stdout and returns the process
// exit code (0 when the run completed, even if it found missing events;
// 1 when it could not run; 3 with --check when the run was not clean). See docs/performance.md.
int run_fanout(const bench_options& options);
int run_resume(const bench_options& options);
int run_broadcast_baseline(const bench_options& options);
int run_healthz_baseline(const bench_options& options);
int run_rest_create(const bench_options& options);
int run_rest_get(const bench_options& options);
int run_ingest(const bench_options& options);
int run_idle_rss(const bench_options& options);

}  // namespace bench

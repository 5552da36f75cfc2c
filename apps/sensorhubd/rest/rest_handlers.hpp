// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <string>

#include "config/config.hpp"
#include "http/http_util.hpp"
#include "obs/metrics.hpp"
#include "http/router.hpp"
#include "sensorhub/hub.hpp"

namespace sensorhubd {

// What the REST handlers work with. Lives as long as the HTTP front.
struct app {
  sensorhub::hub& hub;
  metrics& counters;
  const daemon_config& config;
};

// Runs `work` on the hub's worker pool (SQLite never runs on the network
// thread) and answers with its result after the commit. An exception from
// `work` becomes its SPEC §2 error. `is_write` records the duration in the
// write-latency histogram.
void run_blocking(app& a, http_responder respond, std::function<http_response()> work,
                  bool is_write = false);

// /api/v1/sensores/..., /api/v1/test-sensors/... (with --test-endpoints),
// /api/v1/lecturas/...
void add_entity_routes(router& r, app& a);
// /api/v1/sensores/{id}/lecturas/agg (and under /test-sensors/).
void add_timeseries_routes(router& r, app& a);
// /api/v1/ws/stats[/{channel}], /api/v1/ws/test-event, /api/v1/events,
// /healthz, /metrics, / (dashboard).
void add_system_routes(router& r, app& a);

// /api/v1/tokens (GET list, POST create: returns the token once),
// /api/v1/tokens/{name} (DELETE revokes). Scope admin.
void add_token_routes(router& r, app& a);

// The embedded dashboard page (generated from dashboard.html at build time).
extern const char* const dashboard_html;
extern const std::size_t dashboard_html_size;

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
// Time-series reads (SPEC §13): /sensores/{id}/lecturas/agg and /sensores/{id}/status.
#include <chrono>
#include <utility>

#include "rest/rest_handlers.hpp"
#include "sensorhub/codec.hpp"

namespace sensorhubd {

using sensorhub::errc;

namespace {

// `bucket`: 1m, 5m, 15m, 1h or 1d (default 1h); anything else is 400.
std::chrono::microseconds bucket_param(const sensorhub::query_params& q) {
  using std::chrono::minutes;
  const auto v = single_param(q, "bucket");
  if (!v || *v == "1h") return minutes(60);
  if (*v == "1m") return minutes(1);
  if (*v == "5m") return minutes(5);
  if (*v == "15m") return minutes(15);
  if (*v == "1d") return minutes(24 * 60);
  throw sensorhub::error(errc::invalid_parameter, "bucket: must be one of 1m, 5m, 15m, 1h, 1d");
}

void add_agg_route(router& r, app& a, const std::string& base) {
  auto* ap = &a;
  r.add({"GET", base + "/{id}/lecturas/agg",
         [ap](const http_request& req, const path_params& p, const scope_t& scope,
              http_responder respond) {
           const auto id = path_id(p.at(0));
           const auto q = parse_query(req);
           sensorhub::agg_query aq;
           aq.sensor_id = id;
           aq.bucket = bucket_param(q);
           const auto now = sensorhub::now();
           aq.until = time_param(q, "until").value_or(now);
           aq.since = time_param(q, "since").value_or(now - std::chrono::hours(24));
           run_blocking(*ap, std::move(respond), [ap, aq, scope] {
             if (!ap->hub.sensors().get(aq.sensor_id, scope)) {
               return error_response(errc::not_found, "sensor not found");
             }
             return json_response(200, sensorhub::to_json(ap->hub.readings().aggregate(aq)));
           });
         }});
}

// Liveness: the newest reading and whether the sensor is stale now.
void add_status_route(router& r, app& a, const std::string& base) {
  auto* ap = &a;
  r.add({"GET", base + "/{id}/status",
         [ap](const http_request&, const path_params& p, const scope_t& scope,
              http_responder respond) {
           const auto id = path_id(p.at(0));
           run_blocking(*ap, std::move(respond), [ap, id, scope] {
             const auto st = ap->hub.status(id, scope);
             if (!st) return error_response(errc::not_found, "sensor not found");
             return json_response(200, sensorhub::to_json(*st));
           });
         }});
}

}  // namespace

void add_timeseries_routes(router& r, app& a) {
  add_agg_route(r, a, "/api/v1/sensores");
  add_status_route(r, a, "/api/v1/sensores");
  if (a.config.test_endpoints) {
    add_agg_route(r, a, "/api/v1/test-sensors");
    add_status_route(r, a, "/api/v1/test-sensors");
  }
}

}  // namespace sensorhubd

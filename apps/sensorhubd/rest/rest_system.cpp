// SPDX-License-Identifier: MIT
// Stats, test events, event history, health, metrics and the dashboard.
#include <utility>

#include "rest/channel_stats_body.hpp"
#include "rest/idempotency.hpp"
#include "rest/rest_handlers.hpp"
#include "rest/test_event_request.hpp"
#include "sensorhub/protocol.hpp"

namespace sensorhubd {

using sensorhub::errc;

namespace {

constexpr std::size_t max_event_page = 1000;

void add_ws_routes(router& r, app& a) {
  auto* ap = &a;
  r.add({"GET", "/api/v1/ws/stats",
         [ap](const http_request&, const path_params&, const scope_t&, http_responder respond) {
           run_blocking(*ap, std::move(respond), [ap] {
             return json_response(200, sensorhub::encode_stats_object(ap->hub.stats()));
           });
         }});
  r.add({"GET", "/api/v1/ws/stats/{channel}",
         [ap](const http_request&, const path_params& p, const scope_t&, http_responder respond) {
           const auto c = sensorhub::parse_channel(p.at(0));
           if (!c) {
             respond(
                 error_response(errc::not_found, "unknown channel (sensors, readings, general)"));
             return;
           }
           run_blocking(*ap, std::move(respond), [ap, c] {
             const auto s = ap->hub.stats();
             return json_response(200, encode_channel_stats(*c, s.of(*c)));
           });
         }});
  r.add({"POST", "/api/v1/ws/test-event",
         [ap](const http_request& req, const path_params&, const scope_t&, http_responder respond) {
           // With an Idempotency-Key, a repeat gets the first answer and
           // publishes nothing; the answer is kept in a transaction of its own
           // (a test event is not persisted).
           run_blocking(*ap, std::move(respond), [ap, body = req.body, key = idempotency_of(req)] {
             return run_idempotent(ap->hub.repo(), key, [&](const answer_recorder& record) {
               const auto t = parse_test_event_request(body);
               const auto n = ap->hub.publish_test_event(t.chan, t.message, t.data_json);
               std::string answer = "{\"delivered_to\":" + std::to_string(n) + "}";
               if (record)
                 ap->hub.repo().write([&](sensorhub::write_tx& tx) { record(tx, 200, answer); });
               return json_response(200, std::move(answer));
             });
           });
         }});
  // A plain GET on a WebSocket endpoint (no Upgrade header).
  for (const char* path : {"/api/v1/ws", "/api/v1/ws/secure"}) {
    r.add({"GET", path,
           [](const http_request&, const path_params&, const scope_t&, http_responder respond) {
             respond(error_response(errc::invalid_parameter,
                                    "this is a WebSocket endpoint: send an Upgrade request"));
           }});
  }
}

void add_event_routes(router& r, app& a) {
  auto* ap = &a;
  r.add({"GET", "/api/v1/events",
         [ap](const http_request& req, const path_params&, const scope_t& scope,
              http_responder respond) {
           const auto q = parse_query(req);
           sensorhub::event_query eq;
           if (const auto since = single_param(q, "since")) {
             const auto n = sensorhub::parse_uint(*since);
             if (!n)
               throw sensorhub::error(errc::invalid_parameter,
                                      "since: must be a non-negative integer");
             eq.since = *n;
           }
           for (const auto& name : sensorhub::param_values(q, "channel")) {
             const auto c = sensorhub::parse_channel(name);
             if (!c) {
               throw sensorhub::error(errc::invalid_parameter,
                                      "channel: unknown channel '" + name + "'");
             }
             eq.channels.push_back(*c);
           }
           eq.limit = limit_param(q);
           if (eq.limit > max_event_page) eq.limit = max_event_page;
           run_blocking(*ap, std::move(respond), [ap, eq, scope] {
             std::string body = "[";
             bool first = true;
             // The core's scoped history: what a live subscriber of this scope saw.
             for (const auto& e : ap->hub.events(eq, scope)) {
               if (!e.json) continue;
               if (!first) body.push_back(',');
               body += *e.json;
               first = false;
             }
             body.push_back(']');
             return json_response(200, std::move(body));
           });
         }});
}

void add_ops_routes(router& r, app& a) {
  auto* ap = &a;
  r.add({"GET", "/healthz",
         [](const http_request&, const path_params&, const scope_t&, http_responder respond) {
           respond(json_response(200, "{\"status\":\"ok\"}"));
         }});
  // SPEC §12: 200 only while the node can write and tail its database (a
  // load balancer takes it out of rotation otherwise); SQLite: always.
  r.add({"GET", "/readyz",
         [ap](const http_request&, const path_params&, const scope_t&, http_responder respond) {
           run_blocking(*ap, std::move(respond), [ap] {
             return ap->hub.ready() ? json_response(200, "{\"status\":\"ready\"}")
                                    : json_response(503, "{\"status\":\"not_ready\"}");
           });
         }});
  r.add({"GET", "/metrics",
         [ap](const http_request&, const path_params&, const scope_t&, http_responder respond) {
           run_blocking(*ap, std::move(respond), [ap] {
             http_response res;
             res.status = 200;
             res.content_type = "text/plain; version=0.0.4; charset=utf-8";
             res.body = ap->counters.render(ap->hub.stats());
             return res;
           });
         }});
  r.add({"GET", "/",
         [](const http_request&, const path_params&, const scope_t&, http_responder respond) {
           http_response res;
           res.status = 200;
           res.content_type = "text/html; charset=utf-8";
           res.headers.emplace_back("Cache-Control", "no-cache");
           res.headers.emplace_back("X-Content-Type-Options", "nosniff");
           res.body.assign(dashboard_html, dashboard_html_size);
           respond(std::move(res));
         }});
}

}  // namespace

void add_system_routes(router& r, app& a) {
  add_ws_routes(r, a);
  add_event_routes(r, a);
  add_ops_routes(r, a);
}

}  // namespace sensorhubd

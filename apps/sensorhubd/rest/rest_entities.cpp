// SPDX-License-Identifier: MIT
// Sensors and readings (SPEC §1-2).
#include <chrono>
#include <utility>

#include "rest/idempotency.hpp"
#include "rest/rest_handlers.hpp"
#include "sensorhub/codec.hpp"

namespace sensorhubd {

using sensorhub::errc;

void run_blocking(app& a, http_responder respond, std::function<http_response()> work,
                  bool is_write) {
  app* ap = &a;
  // Write latency runs from here (the request accepted, waiting for a
  // worker included) to the commit reported (work() returned).
  const auto start = std::chrono::steady_clock::now();
  a.hub.run_blocking([ap, respond = std::move(respond), work = std::move(work), is_write, start] {
    http_response r;
    try {
      r = work();
    } catch (...) {
      r = error_from_exception(std::current_exception());
    }
    if (is_write) {
      ap->counters.record_write_latency(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    respond(std::move(r));
  });
}

namespace {

// What a create runs in its transaction to keep its answer for the
// request's Idempotency-Key; nothing without a key.
template <typename T>
sensorhub::also_in_tx<T> keeping(const answer_recorder& record) {
  if (!record) return {};
  return [record](sensorhub::write_tx& tx, const T& v) { record(tx, 201, sensorhub::to_json(v)); };
}

// GET, PUT, PATCH and DELETE on `one` ("/.../{id}") for one entity kind:
// `service` picks the hub's service, `parse` reads a patch body.
template <typename Service, typename Patch>
void add_item_routes(router& r, app& a, const std::string& one,
                     Service& (sensorhub::hub::*service)(), Patch (*parse)(std::string_view),
                     const char* not_found) {
  auto* ap = &a;
  r.add({"GET", one,
         [ap, service, not_found](const http_request&, const path_params& p, const scope_t& scope,
                                  http_responder respond) {
           const auto id = path_id(p.at(0));
           run_blocking(*ap, std::move(respond), [ap, service, not_found, id, scope] {
             const auto item = (ap->hub.*service)().get(id, scope);
             if (!item) return error_response(errc::not_found, not_found);
             return json_response(200, sensorhub::to_json(*item));
           });
         }});
  for (const char* method : {"PUT", "PATCH"}) {
    r.add({method, one,
           [ap, service, parse](const http_request& req, const path_params& p, const scope_t& scope,
                                http_responder respond) {
             const auto id = path_id(p.at(0));
             run_blocking(
                 *ap, std::move(respond),
                 [ap, service, parse, id, body = req.body, scope] {
                   const auto patch = parse(body);
                   return json_response(
                       200, sensorhub::to_json((ap->hub.*service)().update(id, patch, scope)));
                 },
                 true);
           }});
  }
  r.add({"DELETE", one,
         [ap, service](const http_request&, const path_params& p, const scope_t& scope,
                       http_responder respond) {
           const auto id = path_id(p.at(0));
           run_blocking(
               *ap, std::move(respond),
               [ap, service, id, scope] {
                 (ap->hub.*service)().remove(id, scope);
                 http_response res;
                 res.status = 204;
                 res.content_type.clear();
                 return res;
               },
               true);
         }});
}

void add_sensor_routes(router& r, app& a, const std::string& base) {
  auto* ap = &a;
  r.add({"GET", base,
         [ap](const http_request& req, const path_params&, const scope_t& scope,
              http_responder respond) {
           const auto q = parse_query(req);
           sensorhub::sensor_query sq;
           sq.tipo = single_param(q, "tipo");
           sq.limit = limit_param(q);
           sq.offset = offset_param(q);
           run_blocking(*ap, std::move(respond), [ap, sq, scope] {
             return json_response(200, sensorhub::to_json(ap->hub.sensors().list(sq, scope)));
           });
         }});
  r.add({"POST", base,
         [ap](const http_request& req, const path_params&, const scope_t& scope,
              http_responder respond) {
           run_blocking(
               *ap, std::move(respond),
               [ap, body = req.body, scope, key = idempotency_of(req)] {
                 return run_idempotent(ap->hub.repo(), key, [&](const answer_recorder& record) {
                   const auto patch = sensorhub::parse_sensor_patch(body);
                   return json_response(201,
                                        sensorhub::to_json(ap->hub.sensors().create(
                                            patch, scope, keeping<sensorhub::sensor>(record))));
                 });
               },
               true);
         }});
  const std::string one = base + "/{id}";
  add_item_routes(r, a, one, &sensorhub::hub::sensors, &sensorhub::parse_sensor_patch,
                  "sensor not found");
  r.add({"GET", one + "/lecturas",
         [ap](const http_request& req, const path_params& p, const scope_t& scope,
              http_responder respond) {
           const auto id = path_id(p.at(0));
           const auto q = parse_query(req);
           sensorhub::reading_query lq;
           lq.sensor_id = id;
           lq.since = time_param(q, "since");
           lq.until = time_param(q, "until");
           lq.limit = limit_param(q);
           lq.offset = offset_param(q);
           run_blocking(*ap, std::move(respond), [ap, lq, scope] {
             if (!ap->hub.sensors().get(*lq.sensor_id, scope)) {
               return error_response(errc::not_found, "sensor not found");
             }
             return json_response(200, sensorhub::to_json(ap->hub.readings().list(lq, scope)));
           });
         }});
}

void add_reading_routes(router& r, app& a) {
  auto* ap = &a;
  const std::string base = "/api/v1/lecturas";
  r.add({"GET", base,
         [ap](const http_request& req, const path_params&, const scope_t& scope,
              http_responder respond) {
           const auto q = parse_query(req);
           sensorhub::reading_query lq;
           lq.sensor_id = id_param(q, "sensor_id");
           lq.since = time_param(q, "since");
           lq.until = time_param(q, "until");
           lq.limit = limit_param(q);
           lq.offset = offset_param(q);
           run_blocking(*ap, std::move(respond), [ap, lq, scope] {
             return json_response(200, sensorhub::to_json(ap->hub.readings().list(lq, scope)));
           });
         }});
  r.add({"POST", base,
         [ap](const http_request& req, const path_params&, const scope_t& scope,
              http_responder respond) {
           run_blocking(
               *ap, std::move(respond),
               [ap, body = req.body, scope, key = idempotency_of(req)] {
                 return run_idempotent(ap->hub.repo(), key, [&](const answer_recorder& record) {
                   const auto patch = sensorhub::parse_reading_patch(body);
                   return json_response(201,
                                        sensorhub::to_json(ap->hub.readings().create(
                                            patch, scope, keeping<sensorhub::reading>(record))));
                 });
               },
               true);
         }});
  route batch{"POST", base + "/batch",
              [ap](const http_request& req, const path_params&, const scope_t& scope,
                   http_responder respond) {
                run_blocking(
                    *ap, std::move(respond),
                    [ap, body = req.body, scope, key = idempotency_of(req)] {
                      return run_idempotent(
                          ap->hub.repo(), key, [&](const answer_recorder& record) {
                            const auto items = sensorhub::parse_reading_batch(body);
                            return json_response(
                                201, sensorhub::to_json(ap->hub.readings().create_batch(
                                         items, scope, keeping<sensorhub::batch_result>(record))));
                          });
                    },
                    true);
              }};
  batch.max_body = a.config.limits.max_batch_body_bytes;
  r.add(std::move(batch));
  add_item_routes(r, a, base + "/{id}", &sensorhub::hub::readings, &sensorhub::parse_reading_patch,
                  "lectura not found");
}

}  // namespace

void add_entity_routes(router& r, app& a) {
  add_sensor_routes(r, a, "/api/v1/sensores");
  if (a.config.test_endpoints) add_sensor_routes(r, a, "/api/v1/test-sensors");
  add_reading_routes(r, a);
}

}  // namespace sensorhubd

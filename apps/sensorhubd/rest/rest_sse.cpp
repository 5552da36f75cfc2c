// SPDX-License-Identifier: MIT
#include "rest/rest_sse.hpp"

#include <string>
#include <utility>

namespace sensorhubd {

void add_sse_route(router& r, security& guard, sensorhub::sse_transport& sse) {
  r.add({"GET", "/api/v1/events/stream",
         [&guard, &sse](const sensorhub::http_request& req, const path_params&, const scope_t&,
                        sensorhub::http_responder respond) {
           std::string principal;
           sensorhub::data_scope scope;
           if (auto refusal = guard.check_ws(req, "/api/v1/ws", principal, scope)) {
             return respond(std::move(*refusal));
           }
           respond(sse.open(req, scope, std::move(principal)));
         }});
}

}  // namespace sensorhubd

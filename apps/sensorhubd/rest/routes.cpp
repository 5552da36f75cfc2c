// SPDX-License-Identifier: MIT
#include "rest/routes.hpp"

#include "rest/rest_sse.hpp"

namespace sensorhubd {

void add_all_routes(router& r, app& a, security& guard, sensorhub::sse_transport& sse) {
  add_entity_routes(r, a);
  add_timeseries_routes(r, a);
  add_system_routes(r, a);
  add_token_routes(r, a);
  add_sse_route(r, guard, sse);
}

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
#pragma once

#include "auth/auth.hpp"
#include "http/router.hpp"
#include "rest/rest_handlers.hpp"
#include "sensorhub/transports/sse.hpp"

namespace sensorhubd {

// Every route sensorhubd serves: entities, system, tokens and the SSE
// stream. The daemon builds its table with this and nothing else, so this
// is the single list that docs/openapi.json must match (checked by
// tests/test_openapi_routes.cpp). `a`, `guard` and `sse` must outlive `r`.
void add_all_routes(router& r, app& a, security& guard, sensorhub::sse_transport& sse);

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
#pragma once

#include "auth/auth.hpp"
#include "http/router.hpp"
#include "sensorhub/transports/sse.hpp"

namespace sensorhubd {

// GET /api/v1/events/stream: Server-Sent Events (SPEC §10). The token is
// checked as on /api/v1/ws (security::check_ws: public unless
// --no-public-ws; a read token from the header or ?token= brings its data
// scope), then sse_transport::open answers; a stream that needed a token
// is tagged with its principal (sse_transport::close_principal ends it on
// revocation). Both must outlive the router.
void add_sse_route(router& r, security& guard, sensorhub::sse_transport& sse);

}  // namespace sensorhubd

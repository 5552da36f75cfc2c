// SPDX-License-Identifier: MIT
#pragma once

#include "config/config.hpp"

namespace sensorhubd {

// Runs the daemon until SIGINT/SIGTERM: opens the hub on cfg.db, serves
// REST and WebSocket on cfg.host:cfg.port (TLS with cfg.tls_cert), prints
// "listening on http://HOST:PORT" (https://) as the first line on stdout,
// then shuts down gracefully (SPEC §8); SIGHUP reloads the TLS certificate.
// Blocks SIGINT/SIGTERM/SIGHUP in the calling thread (and so in every thread
// it starts); call once, from main. Returns the exit code.
int serve(const daemon_config& cfg);

}  // namespace sensorhubd

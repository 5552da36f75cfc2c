#pragma once

#include "config/config.hpp"

namespace sensorhubd {

// Runs the daemon until SIGINT/SIGTERM: opens the hub on cfg.db, serves
// REST and WebSocket on cfg.host:cfg.port, prints "listening on
// http://HOST:PORT" as the first line on stdout, then shuts down gracefully
// (SPEC §8). Blocks SIGINT/SIGTERM in the calling thread (and so in every
// thread it starts); call once, from main. Returns the exit code.
int serve(const daemon_config& cfg);

}  // namespace sensorhubd

#pragma once

namespace sensorhubd {

// `sensorhubd token create|list|revoke ...` (SPEC §7): argv[1] is "token".
// Works on the database file directly, also while a daemon runs on it (the
// daemon picks changes up within its token poll interval). Returns the exit
// code: 0 done, 1 failure (e.g. unknown name), 2 bad usage.
int run_token_command(int argc, const char* const* argv);

}  // namespace sensorhubd

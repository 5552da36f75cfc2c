// SPDX-License-Identifier: MIT
#pragma once

namespace sensorhub::cli {

// sensorhub-cli's exit codes (docs/clients.md).
enum exit_code : int {
  exit_ok = 0,              // done (watch: stopped by SIGINT/SIGTERM or --count reached)
  exit_failed = 1,          // the daemon answered with an error, or a runtime failure
  exit_usage = 2,           // bad flags, URL or JSON argument
  exit_cannot_connect = 3,  // the daemon could not be reached
};

}  // namespace sensorhub::cli

// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

namespace ceiling {

// Command line of sensorhub_ceiling. Flags it does not know (the daemon's
// --db, --config, --test-endpoints, --no-auth, ...) are accepted and ignored,
// so that the bench's --daemon launcher can start it like sensorhubd.
struct options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  unsigned threads = 0;  // 0: one per core
  bool help = false;
  bool version = false;
};

// Throws std::invalid_argument on a bad value of a flag it knows.
options parse_options(int argc, char** argv);

const char* usage_text();

}  // namespace ceiling

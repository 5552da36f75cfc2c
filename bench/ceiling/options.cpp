// SPDX-License-Identifier: MIT
#include "ceiling/options.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace ceiling {

namespace {

unsigned long parse_number(std::string_view flag, const std::string& v, unsigned long max) {
  if (v.empty() || v.find_first_not_of("0123456789") != std::string::npos || v.size() > 9) {
    throw std::invalid_argument(std::string(flag) + " needs a number, got '" + v + "'");
  }
  const unsigned long n = std::stoul(v);
  if (n > max) {
    throw std::invalid_argument(std::string(flag) + " out of range: " + v);
  }
  return n;
}

}  // namespace

const char* usage_text() {
  return "sensorhub_ceiling: the raw Asio ceiling for sensorhub_bench (docs/performance.md)\n"
         "  --host HOST     listen address (127.0.0.1)\n"
         "  --port PORT     listen port, 0 for any (8000)\n"
         "  --threads N     network threads, one io_context each (default: cores)\n"
         "  --version       print the version and exit\n"
         "Other flags (--db, --config, --test-endpoints, --no-auth, ...) are ignored.\n"
         "First stdout line: listening on http://HOST:PORT\n";
}

options parse_options(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    std::string value;
    bool inline_value = false;
    if (const auto eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
      inline_value = true;
    }
    const bool next_is_value = i + 1 < argc && argv[i + 1][0] != '-';
    auto take = [&]() -> std::string {
      if (inline_value) return value;
      if (i + 1 >= argc) throw std::invalid_argument(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--help" || arg == "-h") {
      o.help = true;
    } else if (arg == "--version") {
      o.version = true;
    } else if (arg == "--host") {
      o.host = take();
    } else if (arg == "--port") {
      o.port = static_cast<std::uint16_t>(parse_number(arg, take(), 65535));
    } else if (arg == "--threads") {
      o.threads = static_cast<unsigned>(parse_number(arg, take(), 256));
    } else if (!inline_value && next_is_value) {
      ++i;  // an unknown flag with a value: skip both
    }
  }
  if (o.threads == 0) {
    o.threads = std::max(1u, std::thread::hardware_concurrency());
  }
  return o;
}

}  // namespace ceiling

// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include <netinet/in.h>

namespace bench {

// Where a lean WebSocket client connects: the IPv4 address, the Host header
// and the request target of "ws://HOST:PORT/path?query".
struct ws_endpoint {
  sockaddr_in address{};
  std::string host_header;  // "HOST:PORT"
  std::string target;       // "/path?query"
};

// Parses a ws:// URI; HOST is a numeric IPv4 address or a name resolved
// once (first IPv4 result). Throws std::runtime_error.
ws_endpoint parse_ws_uri(const std::string& uri);

}  // namespace bench

// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>

namespace bench {

// Host and port of the daemon under test, e.g. from "http://127.0.0.1:8000".
struct server_address {
  std::string host;
  unsigned short port = 0;

  std::string http_base() const;                        // "http://host:port"
  std::string ws_uri(const std::string& target) const;  // "ws://host:port" + target
  std::string host_header() const;                      // "host:port"
};

// Parses "http://HOST:PORT" with an optional trailing "/". No other forms.
std::optional<server_address> parse_http_url(const std::string& url);

}  // namespace bench

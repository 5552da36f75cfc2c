// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sensorhub::client::detail {

// A parsed ws://, http:// (plain, default port 80), wss:// or https:// (TLS,
// default port 443) URL. Throws std::invalid_argument otherwise.
struct ws_url {
  bool tls = false;
  std::string host;
  std::uint16_t port = 80;
  std::string path;  // "/api/v1/ws" when the URL has none
};
ws_url parse_url(const std::string& url);

// What the connect query carries.
struct subscribe_query {
  std::vector<std::string> channels;
  std::vector<std::pair<std::string, std::string>> filters;
  bool conflate = false;
  bool snapshot = false;
  std::optional<std::int64_t> since;
};

// "?channel=a,b&k=v&since=N&snapshot=true&conflate=true" (percent-encoded).
std::string build_query(const subscribe_query& q);
std::string percent_encode(const std::string& s);

}  // namespace sensorhub::client::detail

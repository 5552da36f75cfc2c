// SPDX-License-Identifier: MIT
#include "driver/url.hpp"

#include <charconv>

namespace bench {

std::string server_address::http_base() const { return "http://" + host_header(); }

std::string server_address::ws_uri(const std::string& target) const {
  return "ws://" + host_header() + target;
}

std::string server_address::host_header() const { return host + ":" + std::to_string(port); }

std::optional<server_address> parse_http_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) {
    return std::nullopt;
  }
  std::string rest = url.substr(scheme.size());
  while (!rest.empty() && rest.back() == '/') {
    rest.pop_back();
  }
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || rest.find('/') != std::string::npos) {
    return std::nullopt;
  }
  unsigned port = 0;
  const char* first = rest.data() + colon + 1;
  const char* last = rest.data() + rest.size();
  const auto [ptr, ec] = std::from_chars(first, last, port);
  if (ec != std::errc() || ptr != last || port == 0 || port > 65535) {
    return std::nullopt;
  }
  server_address out;
  out.host = rest.substr(0, colon);
  out.port = static_cast<unsigned short>(port);
  return out;
}

}  // namespace bench

// SPDX-License-Identifier: MIT
#include "clients/socket_address.hpp"

#include <cstring>
#include <stdexcept>

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

namespace bench {

ws_endpoint parse_ws_uri(const std::string& uri) {
  const std::string scheme = "ws://";
  if (uri.compare(0, scheme.size(), scheme) != 0) {
    throw std::runtime_error("not a ws:// URI: " + uri);
  }
  const auto slash = uri.find('/', scheme.size());
  ws_endpoint e;
  e.host_header = uri.substr(scheme.size(), slash - scheme.size());
  e.target = slash == std::string::npos ? "/" : uri.substr(slash);
  const auto colon = e.host_header.rfind(':');
  if (colon == std::string::npos) throw std::runtime_error("no port in " + uri);
  const std::string host = e.host_header.substr(0, colon);
  const int port = std::stoi(e.host_header.substr(colon + 1));
  e.address.sin_family = AF_INET;
  e.address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (::inet_pton(AF_INET, host.c_str(), &e.address.sin_addr) == 1) return e;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || found == nullptr) {
    throw std::runtime_error("cannot resolve " + host);
  }
  std::memcpy(&e.address.sin_addr, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr,
              sizeof e.address.sin_addr);
  ::freeaddrinfo(found);
  return e;
}

}  // namespace bench

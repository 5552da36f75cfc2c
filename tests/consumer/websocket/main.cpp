// SPDX-License-Identifier: MIT
// Builds against the installed transport_websocket component and serves a
// WebSocket: a hub with the transport on an ephemeral port, a plain TCP
// client that upgrades and reads the SPEC §3 connection_established greeting.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>

#include <sensorhub/hub.hpp>
#include <sensorhub/transports/websocket.hpp>
#include <sensorhub/version.hpp>

namespace {

int fail(const std::string& why) {
  std::fprintf(stderr, "websocket_consumer: %s\n", why.c_str());
  return 1;
}

// Reads until `buf` holds at least n bytes; false on EOF or the timeout.
bool read_at_least(int fd, std::string& buf, std::size_t n) {
  while (buf.size() < n) {
    char chunk[4096];
    const auto got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(got));
  }
  return true;
}

// Upgrades to a WebSocket and returns the payload of the first text frame.
std::string greeting(std::uint16_t port, std::string& error) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  timeval tv{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(fd);
    error = "connect failed";
    return {};
  }
  const std::string request =
      "GET /api/v1/ws?channel=sensors HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
      "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";
  ::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string buf;
  std::size_t head_end = std::string::npos;
  while ((head_end = buf.find("\r\n\r\n")) == std::string::npos) {
    if (!read_at_least(fd, buf, buf.size() + 1)) break;
  }
  std::string payload;
  if (head_end == std::string::npos || buf.compare(0, 12, "HTTP/1.1 101") != 0) {
    error = "no 101 Switching Protocols: " + buf.substr(0, 200);
  } else {
    buf.erase(0, head_end + 4);
    // An unmasked server frame: FIN+opcode, length (7 bits or 126 + 16 bits).
    std::size_t len = 0;
    std::size_t header = 2;
    if (read_at_least(fd, buf, 2)) {
      len = static_cast<unsigned char>(buf[1]) & 0x7f;
      if (len == 126 && read_at_least(fd, buf, 4)) {
        len = (static_cast<std::size_t>(static_cast<unsigned char>(buf[2])) << 8) |
              static_cast<unsigned char>(buf[3]);
        header = 4;
      }
    }
    if ((static_cast<unsigned char>(buf[0]) & 0x0f) != 1 || len >= 65536 ||
        !read_at_least(fd, buf, header + len)) {
      error = "no complete text frame after the upgrade";
    } else {
      payload = buf.substr(header, len);
    }
  }
  ::close(fd);
  return payload;
}

}  // namespace

int main() {
  sensorhub::hub_options options;
  options.storage.path = ":memory:";
  sensorhub::hub hub{options};
  sensorhub::websocket_options ws;
  ws.port = 0;
  auto transport = std::make_shared<sensorhub::websocket_transport>(ws);
  hub.add_transport(transport);
  hub.start();

  std::string error;
  const std::string text = greeting(transport->port(), error);
  hub.stop();
  if (!error.empty()) return fail(error);
  std::printf("%s\n", text.c_str());
  const std::string server = std::string("\"server\":\"sensorhubd/") + SENSORHUB_VERSION + "\"";
  if (text.rfind("{\"type\":\"connection_established\"", 0) != 0) {
    return fail("first message is not connection_established");
  }
  if (text.find(server) == std::string::npos) return fail("no " + server + " in the greeting");
  return 0;
}

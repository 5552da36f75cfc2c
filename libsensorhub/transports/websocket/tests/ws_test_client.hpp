// SPDX-License-Identifier: MIT
#pragma once
// A blocking loopback client for the transport's tests: raw HTTP/1.1 and
// unmasked-server-frame reading, masked client frames.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <utility>

#include <doctest/doctest.h>

namespace sensorhub_test {

// A blocking TCP client with a 10 s receive timeout.
class client {
 public:
  explicit client(std::uint16_t port, int rcvbuf = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    if (rcvbuf > 0) ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    timeval tv{10, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
  }
  ~client() { ::close(fd_); }
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void send(const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
      const auto n = ::send(fd_, s.data() + off, s.size() - off, MSG_NOSIGNAL);
      REQUIRE(n > 0);
      off += static_cast<std::size_t>(n);
    }
  }
  // Reads until the peer closes (HTTP responses end with the connection).
  std::string read_all() {
    std::string out;
    char buf[4096];
    for (;;) {
      const auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) break;
      out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
  }
  std::string read_until(const std::string& marker) {
    while (buf_.find(marker) == std::string::npos) {
      char b[4096];
      const auto n = ::recv(fd_, b, sizeof b, 0);
      if (n <= 0) break;
      buf_.append(b, static_cast<std::size_t>(n));
    }
    const auto at = buf_.find(marker);
    if (at == std::string::npos) return std::exchange(buf_, {});
    std::string head = buf_.substr(0, at + marker.size());
    buf_.erase(0, at + marker.size());
    return head;
  }
  // Sends one masked client frame (FIN set) with this opcode.
  void send_frame(int opcode, const std::string& payload) {
    std::string f;
    f += static_cast<char>(0x80 | opcode);
    const unsigned char mask[4] = {1, 2, 3, 4};
    if (payload.size() < 126) {
      f += static_cast<char>(0x80 | payload.size());
    } else {
      f += static_cast<char>(0x80 | 126);
      f += static_cast<char>((payload.size() >> 8) & 0xff);
      f += static_cast<char>(payload.size() & 0xff);
    }
    f.append(reinterpret_cast<const char*>(mask), 4);
    for (std::size_t i = 0; i < payload.size(); ++i) {
      f += static_cast<char>(payload[i] ^ static_cast<char>(mask[i % 4]));
    }
    send(f);
  }
  void set_receive_buffer(int bytes) {
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof bytes);
  }
  // One unfragmented server frame: {opcode, payload}; opcode -1 on EOF.
  std::pair<int, std::string> frame() {
    auto need = [this](std::size_t n) {
      while (buf_.size() < n) {
        char b[4096];
        const auto r = ::recv(fd_, b, sizeof b, 0);
        if (r <= 0) return false;
        buf_.append(b, static_cast<std::size_t>(r));
      }
      return true;
    };
    if (!need(2)) return {-1, {}};
    const int op = static_cast<unsigned char>(buf_[0]) & 0x0f;
    std::size_t len = static_cast<unsigned char>(buf_[1]) & 0x7f;
    std::size_t hdr = 2;
    if (len == 126) {
      if (!need(4)) return {-1, {}};
      len = (static_cast<unsigned char>(buf_[2]) << 8) | static_cast<unsigned char>(buf_[3]);
      hdr = 4;
    }
    if (!need(hdr + len)) return {-1, {}};
    std::string payload = buf_.substr(hdr, len);
    buf_.erase(0, hdr + len);
    return {op, payload};
  }

 private:
  int fd_ = -1;
  std::string buf_;
};

inline std::string upgrade(const std::string& target, const std::string& version = "13") {
  return "GET " + target +
         " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: " +
         version + "\r\n\r\n";
}

}  // namespace sensorhub_test

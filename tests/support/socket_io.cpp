// SPDX-License-Identifier: MIT
#include "socket_io.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace sensorhub::testing {
namespace {

int remaining_ms(clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
  return static_cast<int>(std::max<std::chrono::milliseconds::rep>(0, left.count()));
}

std::runtime_error sys_error(const std::string& what) {
  return std::runtime_error(what + ": " + std::strerror(errno));
}

}  // namespace

tcp_socket::~tcp_socket() { close(); }

tcp_socket::tcp_socket(tcp_socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

tcp_socket& tcp_socket::operator=(tcp_socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

tcp_socket tcp_socket::connect(const std::string& host, std::uint16_t port,
                               std::chrono::milliseconds timeout, const std::string& source_address,
                               int receive_buffer) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  const std::string service = std::to_string(port);
  const int rc = ::getaddrinfo(host.c_str(), service.c_str(), &hints, &res);
  if (rc != 0) throw std::runtime_error("getaddrinfo(" + host + "): " + ::gai_strerror(rc));
  std::string last_error = "no address";
  const auto deadline = clock::now() + timeout;
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    const int fd = ::socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    if (fd < 0) continue;
    tcp_socket s(fd);
    if (receive_buffer > 0) {  // before connect: the window scale follows it
      ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
    }
    if (!source_address.empty()) {
      sockaddr_in src{};
      src.sin_family = AF_INET;
      if (ai->ai_family != AF_INET ||
          ::inet_pton(AF_INET, source_address.c_str(), &src.sin_addr) != 1 ||
          ::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
        last_error = "cannot bind to source address " + source_address;
        continue;
      }
    }
    const int flags = ::fcntl(fd, F_GETFL);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int r = ::connect(fd, ai->ai_addr, ai->ai_addrlen);
    if (r != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      r = ::poll(&p, 1, remaining_ms(deadline));
      if (r == 1) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
        r = err == 0 ? 0 : -1;
        errno = err;
      } else {
        r = -1;
        errno = ETIMEDOUT;
      }
    }
    if (r == 0) {
      ::fcntl(fd, F_SETFL, flags);
      int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::freeaddrinfo(res);
      return s;
    }
    last_error = std::strerror(errno);
  }
  ::freeaddrinfo(res);
  throw std::runtime_error("connect to " + host + ":" + service + " failed: " + last_error);
}

void tcp_socket::send_all(std::string_view bytes, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  while (!bytes.empty()) {
    pollfd p{fd_, POLLOUT, 0};
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r == 0) throw std::runtime_error("send timed out");
    if (r < 0) {
      if (errno == EINTR) continue;
      throw sys_error("poll");
    }
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      throw sys_error("send");
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

bool tcp_socket::send_until_readable(std::string_view bytes, std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  while (!bytes.empty()) {
    pollfd p{fd_, POLLOUT | POLLIN, 0};
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r == 0) throw std::runtime_error("send timed out");
    if (r < 0) {
      if (errno == EINTR) continue;
      throw sys_error("poll");
    }
    if ((p.revents & (POLLIN | POLLERR | POLLHUP)) != 0) return false;
    const std::size_t chunk = std::min<std::size_t>(bytes.size(), 64 * 1024);
    const ssize_t n = ::send(fd_, bytes.data(), chunk, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return false;  // EPIPE / ECONNRESET: the server stopped reading
    }
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool tcp_socket::try_read_some(std::string& out, clock::time_point deadline, bool& eof) {
  eof = false;
  for (;;) {
    pollfd p{fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, remaining_ms(deadline));
    if (r == 0) return false;
    if (r < 0) {
      if (errno == EINTR) continue;
      throw sys_error("poll");
    }
    char buf[16384];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      if (errno == ECONNRESET) {
        eof = true;
        return true;
      }
      throw sys_error("recv");
    }
    if (n == 0) {
      eof = true;
      return true;
    }
    out.append(buf, static_cast<std::size_t>(n));
    return true;
  }
}

bool tcp_socket::read_some(std::string& out, clock::time_point deadline) {
  bool eof = false;
  if (!try_read_some(out, deadline, eof)) throw std::runtime_error("read timed out");
  return !eof;
}

void tcp_socket::shutdown_write() noexcept {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void tcp_socket::close() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
}

}  // namespace sensorhub::testing

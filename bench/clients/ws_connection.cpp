// SPDX-License-Identifier: MIT
#include "clients/ws_connection.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clients/ws_wire.hpp"
#include "driver/clock.hpp"

namespace bench {

namespace {

std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

}  // namespace

std::string ws_connection::open(int epfd, std::size_t i, const sockaddr_in& to,
                                std::uint32_t source) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return errno_text("socket", errno);
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (source != 0) {
    // The port is chosen at connect time, per destination: no ephemeral
    // port is spent on the bind itself.
    ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in src{};
    src.sin_family = AF_INET;
    src.sin_addr.s_addr = htonl(source);
    if (::bind(fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) != 0) {
      const int err = errno;
      ::close(fd);
      return errno_text("bind", err);
    }
  }
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0 &&
      errno != EINPROGRESS) {
    const int err = errno;
    ::close(fd);
    return errno_text("connect", err);
  }
  fd_ = fd;
  phase_ = ws_phase::connecting;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLOUT;
  ev.data.u64 = i;
  ::epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
  return {};
}

void ws_connection::on_event(int epfd, std::size_t i, std::uint32_t events, char* buffer,
                             std::size_t size, const std::string& request,
                             ws_connection_owner& owner) {
  if (fd_ < 0) return;
  if (phase_ == ws_phase::connecting) {
    on_connected(epfd, i, request, owner);
  } else if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
    on_readable(i, buffer, size, owner);
  }
}

void ws_connection::on_connected(int epfd, std::size_t i, const std::string& request,
                                 ws_connection_owner& owner) {
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    drop(i, 1006, errno_text("connect", err), false, owner);
    return;
  }
  if (::write(fd_, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    drop(i, 1006, "short write of the upgrade request", false, owner);
    return;
  }
  phase_ = ws_phase::handshaking;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = i;
  ::epoll_ctl(epfd, EPOLL_CTL_MOD, fd_, &ev);
}

void ws_connection::on_readable(std::size_t i, char* buffer, std::size_t size,
                                ws_connection_owner& owner) {
  const ssize_t n = ::read(fd_, buffer, size);
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    drop(i, 1006, n == 0 ? "connection closed without a close frame" : errno_text("read", errno),
         phase_ != ws_phase::closing, owner);
    return;
  }
  if (n < 0) return;
  const std::int64_t recv = now_ns();  // one stamp per read: its messages arrived together
  std::string_view data(buffer, static_cast<std::size_t>(n));
  if (!in_.empty()) {
    in_.append(buffer, static_cast<std::size_t>(n));
    data = in_;
  }
  const std::size_t used = consume(i, data, recv, owner);
  if (fd_ < 0) return;  // closed while consuming
  if (used == data.size()) {
    in_.clear();
    if (in_.capacity() > 64 * 1024) in_.shrink_to_fit();
  } else if (data.data() == in_.data()) {
    in_.erase(0, used);
  } else {
    in_.assign(data.data() + used, data.size() - used);
  }
}

std::size_t ws_connection::consume(std::size_t i, std::string_view data, std::int64_t recv,
                                   ws_connection_owner& owner) {
  std::size_t used = 0;
  if (phase_ == ws_phase::handshaking) {
    const handshake_result h = check_upgrade_response(data);
    if (h.status == handshake_status::incomplete) return 0;
    if (h.status == handshake_status::rejected) {
      drop(i, 1006, "handshake: " + h.error, false, owner);
      return 0;
    }
    phase_ = ws_phase::open;
    used = h.consumed;
    owner.on_open(i);
  }
  while (fd_ >= 0 && used < data.size()) {
    ws_frame f;
    const std::size_t size = next_frame(data.substr(used), f);
    if (size == frame_incomplete) break;
    if (size == frame_invalid) {
      drop(i, 1002, "invalid frame from the server", true, owner);
      break;
    }
    used += size;
    if (f.opcode == ws_opcode::text && f.fin) {
      owner.on_text(i, f.payload, recv);
    } else if (f.opcode == ws_opcode::text || f.opcode == ws_opcode::continuation) {
      fragment_.append(f.payload);
      if (f.fin) {
        const std::string whole = std::move(fragment_);
        fragment_.clear();
        owner.on_text(i, whole, recv);
      }
    } else if (f.opcode == ws_opcode::ping) {
      send_frame(make_client_frame(ws_opcode::pong, f.payload));
    } else if (f.opcode == ws_opcode::close) {
      on_close_frame(i, f.payload, owner);
    }  // binary and pong frames carry nothing the bench needs
  }
  return used;
}

void ws_connection::on_close_frame(std::size_t i, std::string_view payload,
                                   ws_connection_owner& owner) {
  int code = 1005;
  if (payload.size() >= 2) {
    code = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
  }
  const std::string reason(payload.size() > 2 ? payload.substr(2) : std::string_view{});
  const bool ours = phase_ == ws_phase::closing;
  if (!ours) {  // echo the code, as RFC 6455 asks
    send_frame(make_client_frame(ws_opcode::close,
                                 payload.substr(0, std::min<std::size_t>(2, payload.size()))));
  }
  drop(i, code, reason, !ours, owner);
}

void ws_connection::close_gracefully(std::size_t i, ws_connection_owner& owner) {
  if (phase_ == ws_phase::open) {
    send_frame(make_client_frame(ws_opcode::close, close_payload(1000, "bench done")));
    phase_ = ws_phase::closing;
  } else if (fd_ >= 0 && phase_ != ws_phase::closing) {
    drop(i, 1006, "closed by the bench", false, owner);
  }
}

void ws_connection::drop(std::size_t i, int code, const std::string& reason, bool unexpected,
                         ws_connection_owner& owner) {
  ::close(fd_);  // also leaves the epoll set
  fd_ = -1;
  phase_ = ws_phase::closed;
  std::string().swap(in_);
  std::string().swap(fragment_);
  owner.on_closed(i, code, reason, unexpected);
}

void ws_connection::send_frame(const std::string& frame) const {
  // Control frames are tiny; a full socket buffer only loses a pong.
  [[maybe_unused]] const auto n = ::write(fd_, frame.data(), frame.size());
}

}  // namespace bench

// SPDX-License-Identifier: MIT
// A custom transport: newline-delimited JSON over plain TCP. Each line sent is
// a SPEC §3 message, each line received a client message (ping, subscribe...).
// Try `nc 127.0.0.1 PORT`; a tipo typed on stdin creates a sensor of that tipo.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/hub.hpp"
#include "sensorhub/transports/serial_executor.hpp"
#include "sensorhub/transports/session_registry.hpp"

using namespace sensorhub;

// One client socket as its session sees it. Its strand is a thread of its
// own, so a blocking send holds only this client; the events that pile up
// meanwhile count toward the session's slow-consumer limit (1008 close).
struct tcp_connection final : connection {
  explicit tcp_connection(int socket_fd) : fd(socket_fd) {}
  void send_text(std::shared_ptr<const std::string> text) override {
    const std::string line = *text + '\n';
    for (ssize_t off = 0, n = 0; off < static_cast<ssize_t>(line.size()); off += n) {
      if ((n = ::send(fd, line.data() + off, line.size() - off, MSG_NOSIGNAL)) <= 0) return;
    }
  }
  void close(int, std::string_view) override { ::shutdown(fd, SHUT_RDWR); }
  void post(std::function<void()> fn) override { strand.post(std::move(fn)); }
  const int fd;
  serial_executor strand;
};

struct ndjson_transport final : transport {
  void start(const transport_context& ctx) override {
    sessions_.start(ctx);
    sockaddr_in addr{AF_INET, 0, {htonl(INADDR_LOOPBACK)}, {}};  // port 0: the kernel picks
    socklen_t len = sizeof addr;
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (::bind(listen_fd_, sa, len) != 0 || ::listen(listen_fd_, 16) != 0 ||
        ::getsockname(listen_fd_, sa, &len) != 0) {
      throw error(errc::internal, "ndjson_transport: cannot listen");
    }
    port = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] {
      for (int fd; (fd = ::accept(listen_fd_, nullptr, nullptr)) >= 0;) {
        readers_.emplace_back([this, fd] { serve(fd); });
      }
    });
  }
  void stop() noexcept override {
    sessions_.stop();                   // each session's close shuts its socket down
    ::shutdown(listen_fd_, SHUT_RDWR);  // accept() fails: the acceptor ends
    acceptor_.join();
    ::close(listen_fd_);
    for (auto& t : readers_) t.join();  // each ends at its socket's EOF
  }

  void serve(int fd) {  // one client's reading side, on a thread of its own
    auto conn = std::make_shared<tcp_connection>(fd);
    session_options opts;
    opts.channels = {channel::general, channel::sensors, channel::readings};
    auto s = sessions_.open(conn, opts);  // subscribed once it returns
    std::string buf;
    char chunk[4096];
    for (ssize_t n; s && (n = ::recv(fd, chunk, sizeof chunk, 0)) > 0;) {
      buf.append(chunk, static_cast<std::size_t>(n));
      for (std::size_t nl; (nl = buf.find('\n')) != std::string::npos; buf.erase(0, nl + 1)) {
        conn->post([s, line = buf.substr(0, nl)] { s->on_client_text(line); });
      }
    }
    if (s) s->stop();
    conn->strand.stop();  // nothing touches the socket after this
    ::close(fd);
  }

  session_registry sessions_;
  int listen_fd_ = -1;
  unsigned port = 0;  // set by start()
  std::thread acceptor_;
  std::vector<std::thread> readers_;
};

int main() {
  hub_options options;
  options.storage.path = ":memory:";
  hub h(options);
  auto tcp = std::make_shared<ndjson_transport>();
  h.add_transport(tcp);
  h.start();
  std::cout << "listening on " << tcp->port << std::endl;
  for (std::string tipo; std::getline(std::cin, tipo);) h.sensors().create({tipo, "DHT22", {}, {}});
}

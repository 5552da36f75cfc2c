// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include <netinet/in.h>

namespace bench {

// Where a lean connection is in its life.
enum class ws_phase : std::uint8_t { idle, connecting, handshaking, open, closing, closed };

// What a ws_connection reports to the pool that owns it.
class ws_connection_owner {
 public:
  virtual ~ws_connection_owner() = default;
  virtual void on_open(std::size_t i) = 0;
  virtual void on_text(std::size_t i, std::string_view payload, std::int64_t recv_ns) = 0;
  // The socket is closed. unexpected: the server or the network ended it
  // (not the bench's own close).
  virtual void on_closed(std::size_t i, int code, const std::string& reason, bool unexpected) = 0;
};

// One receive-only client WebSocket on a non-blocking socket in an epoll
// set (level-triggered, keyed by its index): connect, send the upgrade
// request, check the 101, then read frames. Holds only the socket, its phase
// and the bytes of a partial frame (empty between frames); pings are
// answered, a close is echoed. The index and epoll set are passed in on each
// call instead of being stored.
// Thread-safety: used by the one thread that owns its epoll set.
class ws_connection {
 public:
  // Starts a connect to `to`, from source address `source` (host order; 0:
  // let the kernel choose). Returns "" or why it failed.
  std::string open(int epfd, std::size_t i, const sockaddr_in& to, std::uint32_t source);
  // Handles readiness; `buffer` is the thread's read buffer.
  void on_event(int epfd, std::size_t i, std::uint32_t events, char* buffer, std::size_t size,
                const std::string& request, ws_connection_owner& owner);
  // The bench's close: a close frame when open (phase closing, the socket
  // stays until the server answers), else the socket is closed at once.
  void close_gracefully(std::size_t i, ws_connection_owner& owner);
  // Closes the socket now and tells the owner.
  void drop(std::size_t i, int code, const std::string& reason, bool unexpected,
            ws_connection_owner& owner);
  ws_phase phase() const { return phase_; }
  bool has_socket() const { return fd_ >= 0; }

 private:
  void on_connected(int epfd, std::size_t i, const std::string& request,
                    ws_connection_owner& owner);
  void on_readable(std::size_t i, char* buffer, std::size_t size, ws_connection_owner& owner);
  std::size_t consume(std::size_t i, std::string_view data, std::int64_t recv,
                      ws_connection_owner& owner);
  void on_close_frame(std::size_t i, std::string_view payload, ws_connection_owner& owner);
  void send_frame(const std::string& frame) const;

  int fd_ = -1;
  ws_phase phase_ = ws_phase::idle;
  std::string in_;        // a partial response head or frame
  std::string fragment_;  // a fragmented text message being assembled (rare)
};

}  // namespace bench

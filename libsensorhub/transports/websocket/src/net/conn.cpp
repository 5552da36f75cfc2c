// SPDX-License-Identifier: MIT
// A connection's socket work: reading into the shard's buffer, corked
// flushes, the phase timers and the orderly close (drain, shut down our
// side, linger until the peer has read the answer).
#include "net/conn.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <utility>

#include "net/conn_state.hpp"
#include "net/server.hpp"
#include "net/shard.hpp"
#include "net/tls_context.hpp"
#include "net/tls_layer.hpp"

namespace sensorhub::ws_detail {
namespace {

// Reads per readiness before other connections get their turn.
constexpr int reads_per_turn = 4;

}  // namespace

conn::conn(shard& s, asio::ip::tcp::socket sock)
    : sh_(s), sock_(std::move(sock)), http_(std::make_unique<http_state>(s.owner().options())) {
  if (auto ctx = s.owner().tls()) tls_ = std::make_unique<tls_layer>(std::move(ctx));
}

conn::~conn() = default;

server& conn::owner() const noexcept { return sh_.owner(); }

std::size_t conn::unsent_bytes() const noexcept {
  return tls_ ? out_.pending_bytes() + tls_->pending_bytes() : out_.pending_bytes();
}

void conn::start() {
  sh_.adopt(shared_from_this());
  asio::error_code ec;
  sock_.set_option(asio::ip::tcp::no_delay(true), ec);
  if (const std::size_t sndbuf = owner().options().socket_send_buffer; sndbuf != 0) {
    sock_.set_option(asio::socket_base::send_buffer_size(static_cast<int>(sndbuf)), ec);
  }
  sock_.native_non_blocking(true, ec);
  if (ec) return close_socket();
  const auto ep = sock_.remote_endpoint(ec);
  if (!ec) address_ = ep.address().to_string();
  since_ = clock::now();
  arm_read();
}

bool conn::reading_wanted() const noexcept {
  switch (ph_) {
    case phase::http_busy:
    case phase::closed:
      return false;
    case phase::draining:
      return lingering_;
    default:
      return true;
  }
}

void conn::arm_read() {
  if (reading_ || !reading_wanted()) return;
  reading_ = true;
  if (tls_ && tls_->input_buffered()) {  // plaintext already read: no wait for the socket
    sh_.post_urgent([self = shared_from_this()] {
      self->reading_ = false;
      if (self->ph_ != phase::closed) self->on_readable();
    });
    return;
  }
  sock_.async_wait(asio::ip::tcp::socket::wait_read,
                   [self = shared_from_this()](const asio::error_code& ec) {
                     self->reading_ = false;
                     if (ec || self->ph_ == phase::closed) return;
                     shard::cork c(self->sh_);
                     self->on_readable();
                   });
}

void conn::on_readable() {
  if (tls_) return on_tls_readable();
  for (int turn = 0; turn < reads_per_turn && reading_wanted(); ++turn) {
    const std::size_t want = read_size();
    const ssize_t n = ::recv(sock_.native_handle(), sh_.rx_data(), want, 0);
    if (n > 0) {
      on_bytes(sh_.rx_data(), static_cast<std::size_t>(n));
      if (static_cast<std::size_t>(n) < want) break;  // drained, most likely
      continue;
    }
    if (n == 0) return on_eof();
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return close_socket();
  }
  arm_read();
}

void conn::on_bytes(const char* data, std::size_t len) {
  if (ph_ == phase::draining || ph_ == phase::closed) return;  // lingering: discard
  if (ws_) return on_ws_bytes(data, len);
  if (ph_ == phase::http_streaming) return stream_input(data, len);
  on_http_bytes(data, len);
}

void conn::on_eof() {
  peer_eof_ = true;
  switch (ph_) {
    case phase::http_busy:  // answer what was asked, then close
      return;
    case phase::draining:
      if (all_sent()) close_socket();  // else: closed once drained
      return;
    default:
      close_socket();
  }
}

void conn::queue(out_queue::bytes b) {
  if (!b || ph_ == phase::closed) return;
  out_.push(std::move(b));
  mark_dirty();
}

void conn::mark_dirty() {
  if (!dirty_ && !writing_) {
    dirty_ = true;
    sh_.want_flush(shared_from_this());
  }
}

void conn::flush() {
  dirty_ = false;
  if (writing_ || ph_ == phase::closed) return;
  switch (tls_ ? flush_tls() : out_.flush(sock_.native_handle())) {
    case out_queue::flush_result::done:
      after_drain();
      break;
    case out_queue::flush_result::would_block:
      arm_write();
      break;
    case out_queue::flush_result::failed:
      close_socket();
      return;
  }
  note_backlog();
}

void conn::arm_write() {
  if (writing_) return;
  writing_ = true;
  sock_.async_wait(asio::ip::tcp::socket::wait_write,
                   [self = shared_from_this()](const asio::error_code& ec) {
                     self->writing_ = false;
                     if (ec || self->ph_ == phase::closed) return;
                     shard::cork c(self->sh_);
                     self->flush();
                   });
}

// Everything queued is with the kernel.
void conn::after_drain() {
  if (ph_ == phase::draining && !lingering_) {
    if (peer_eof_) return close_socket();
    // Shut our side and read (discarding) until the peer closes, so unread
    // input never turns the close into a reset that destroys the answer.
    lingering_ = true;
    since_ = clock::now();
    asio::error_code ec;
    sock_.shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    arm_read();
  } else if (ph_ == phase::ws_closing && ws_peer_closed()) {
    close_socket();
  } else if (ph_ == phase::http_busy && http_ && http_->awaiting_drain) {  // the next request
    sh_.post_urgent([self = shared_from_this()] { self->answers_drained(); });
  }
}

void conn::drain_then_close() {
  if (ph_ == phase::closed) return;
  if (ws_) end_websocket();
  end_stream_on_close();
  http_.reset();
  ph_ = phase::draining;
  since_ = clock::now();
  if (tls_) return mark_dirty();  // flush(): close_notify, then after_drain()
  if (all_sent() && !writing_) after_drain();
}

void conn::close_socket() {
  if (ph_ == phase::closed) return;
  ph_ = phase::closed;
  if (ws_) end_websocket();
  end_stream_on_close();
  http_.reset();
  out_.clear();
  asio::error_code ec;
  sock_.close(ec);  // cancels the pending waits
  sh_.forget(*this);
  owner().connection_closed();
}

void conn::tick(clock::time_point now) {
  const auto& o = owner().options();
  switch (ph_) {
    case phase::http_head:
      if (tls_ && !tls_->established() && now - since_ >= o.handshake_timeout) {
        return close_socket();  // no TLS session to answer 408 on
      }
      if (now - since_ >= o.handshake_timeout) {
        refuse_http(transport_error(408, "the request head took too long"), true);
      }
      return;
    case phase::http_idle:
      if (now - since_ >= o.idle_timeout) close_socket();
      return;
    case phase::http_body:
      if (now - since_ >= o.idle_timeout) {
        refuse_http(transport_error(408, "the request body took too long"), true);
      }
      return;
    case phase::ws_open:
    case phase::ws_closing:
      return ws_tick(now);
    case phase::draining:
      if (now - since_ >= (lingering_ ? server::linger : server::close_grace)) close_socket();
      return;
    case phase::http_busy:  // a client that leaves its answers unread
      if (http_ && http_->awaiting_drain && now - since_ >= o.idle_timeout) close_socket();
      return;
    case phase::http_streaming:
    case phase::closed:
      return;
  }
}

void conn::begin_shutdown() {
  switch (ph_) {
    case phase::ws_open:
      ws_close(1001, "going away");
      return;
    case phase::http_head:
    case phase::http_idle:
    case phase::http_body:
      // An answer or an ended stream may still be queued (a stream that
      // ended in this same pass, with its last records): it goes out first.
      if (!all_sent() || writing_) return drain_then_close();
      close_socket();
      return;
    case phase::http_streaming:  // the stream's owner hears on_close
      drain_then_close();
      return;
    default:  // an answer on its way, or already closing
      return;
  }
}

}  // namespace sensorhub::ws_detail

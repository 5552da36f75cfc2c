// SPDX-License-Identifier: MIT
// A connection's socket work through TLS (the transport has a certificate):
// ciphertext from the socket into the tls_layer, plaintext from it to
// on_bytes, the handshake's output flushed even with nothing queued, our
// close_notify before the orderly close, and the plain-HTTP client that
// found a TLS port (answered 400 in plain text, then closed).
#include <sys/socket.h>

#include <cerrno>

#include "net/conn.hpp"
#include "net/conn_state.hpp"
#include "net/shard.hpp"
#include "net/tls_layer.hpp"

namespace sensorhub::ws_detail {
namespace {

// Socket reads per readiness before other connections get their turn.
constexpr int reads_per_turn = 4;

}  // namespace

void conn::on_tls_readable() {
  int reads = 0;
  while (tls_ && reading_wanted()) {
    const auto r = tls_->read(sh_.rx_data(), read_size());
    if (r.st == tls_layer::read_status::data) {
      on_bytes(sh_.rx_data(), r.n);
      continue;
    }
    if (r.st == tls_layer::read_status::failed) {
      // The alert OpenSSL made (e.g. protocol_version) goes out first.
      if (ph_ != phase::draining && tls_->has_output()) return drain_then_close();
      return close_socket();
    }
    if (r.st == tls_layer::read_status::closed) {
      after_tls_input();
      return on_eof();
    }
    // need_input: the buffer is free again (the layer copied what it was fed).
    if (reads == reads_per_turn) break;
    ++reads;
    const ssize_t n = ::recv(sock_.native_handle(), sh_.rx_data(), sh_.rx_size(), 0);
    if (n > 0) {
      if (tls_->feed(sh_.rx_data(), static_cast<std::size_t>(n)) ==
          tls_layer::feed_result::plaintext) {
        return refuse_plaintext();
      }
      continue;
    }
    if (n == 0) {
      after_tls_input();
      return on_eof();
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) break;
    return close_socket();
  }
  after_tls_input();
  arm_read();
}

// The handshake (or a TLS 1.3 key update) made output with no plaintext
// queued: it goes out at the end of this pass like any answer.
void conn::after_tls_input() {
  if (tls_ && ph_ != phase::closed && tls_->has_output()) mark_dirty();
}

// A plain-HTTP client on the TLS port: the answer in plain text, then the
// orderly close (whatever else it sent is read and discarded).
void conn::refuse_plaintext() {
  tls_.reset();
  refuse_http(transport_error(400, "this port speaks TLS: use https:// (or wss://)"), true);
  arm_read();
}

out_queue::flush_result conn::flush_tls() {
  const int fd = sock_.native_handle();
  auto r = tls_->flush(out_, fd);
  if (r == out_queue::flush_result::done && ph_ == phase::draining && !lingering_ &&
      tls_->close_notify()) {
    r = tls_->flush(out_, fd);
  }
  return r;
}

}  // namespace sensorhub::ws_detail

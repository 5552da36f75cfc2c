// SPDX-License-Identifier: MIT
// One connection's TLS session over memory BIOs (tls_layer).
#include "net/tls_layer.hpp"

#include <sys/socket.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <new>
#include <utility>

#include "net/tls_context.hpp"

namespace sensorhub::ws_detail {
namespace {

constexpr unsigned char handshake_record = 0x16;
// Plaintext encrypted per SSL_write: one full TLS record.
constexpr std::size_t record_plaintext = 16u << 10;
// Ciphertext made ahead of the socket before sending: the rest stays
// plaintext in the out_queue (whole frames, so a slow consumer's unsent
// frames can still be dropped).
constexpr std::size_t cipher_ahead = 64u << 10;
// A ciphertext buffer that grew gives its memory back once sent.
constexpr std::size_t kept_cipher_capacity = 32u << 10;

}  // namespace

tls_layer::tls_layer(std::shared_ptr<const tls_context> ctx) : ctx_(std::move(ctx)) {
  ssl_ = SSL_new(ctx_->native());
  rbio_ = BIO_new(BIO_s_mem());
  wbio_ = BIO_new(BIO_s_mem());
  if (ssl_ == nullptr || rbio_ == nullptr || wbio_ == nullptr) {
    BIO_free(rbio_);
    BIO_free(wbio_);
    SSL_free(ssl_);
    ERR_clear_error();
    throw std::bad_alloc();
  }
  BIO_set_mem_eof_return(rbio_, -1);  // empty: "retry", not end of file
  BIO_set_mem_eof_return(wbio_, -1);
  SSL_set_bio(ssl_, rbio_, wbio_);
  SSL_set_accept_state(ssl_);
}

tls_layer::~tls_layer() { SSL_free(ssl_); }

bool tls_layer::established() const noexcept { return SSL_is_init_finished(ssl_) == 1; }

tls_layer::feed_result tls_layer::feed(const char* data, std::size_t len) {
  if (len == 0) return feed_result::ok;
  if (first_) {
    first_ = false;
    if (static_cast<unsigned char>(data[0]) != handshake_record) return feed_result::plaintext;
  }
  while (len != 0) {  // a memory BIO takes everything
    const int chunk = static_cast<int>(std::min<std::size_t>(len, 1u << 30));
    const int n = BIO_write(rbio_, data, chunk);
    if (n <= 0) break;
    data += n;
    len -= static_cast<std::size_t>(n);
  }
  return feed_result::ok;
}

tls_layer::read_result tls_layer::read(char* dst, std::size_t max) {
  maybe_more_ = false;
  ERR_clear_error();
  if (!established()) {
    const int r = SSL_do_handshake(ssl_);
    if (r != 1) {
      const int e = SSL_get_error(ssl_, r);
      ERR_clear_error();
      if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
        return {read_status::need_input, 0};
      }
      failed_ = true;
      return {read_status::failed, 0};
    }
  }
  if (max == 0) return {read_status::need_input, 0};
  std::size_t got = 0;
  const int r = SSL_read_ex(ssl_, dst, max, &got);
  if (r == 1) {
    maybe_more_ = true;
    return {read_status::data, got};
  }
  const int e = SSL_get_error(ssl_, r);
  ERR_clear_error();
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) return {read_status::need_input, 0};
  if (e == SSL_ERROR_ZERO_RETURN) return {read_status::closed, 0};
  failed_ = true;
  return {read_status::failed, 0};
}

bool tls_layer::has_output() const noexcept {
  return sent_ < cipher_.size() || BIO_ctrl_pending(wbio_) != 0;
}

std::size_t tls_layer::pending_bytes() const noexcept {
  return cipher_.size() - sent_ + BIO_ctrl_pending(wbio_);
}

bool tls_layer::pull_output() {
  const std::size_t n = BIO_ctrl_pending(wbio_);
  if (n == 0) return false;
  if (sent_ != 0) {  // keep only the unsent tail
    cipher_.erase(0, sent_);
    sent_ = 0;
  }
  const std::size_t at = cipher_.size();
  cipher_.resize(at + n);
  const int got = BIO_read(wbio_, cipher_.data() + at, static_cast<int>(n));
  cipher_.resize(at + static_cast<std::size_t>(got > 0 ? got : 0));
  return got > 0;
}

bool tls_layer::encrypt_some(out_queue& q) {
  char plain[record_plaintext];
  bool made = false;
  while (!q.empty() && BIO_ctrl_pending(wbio_) < cipher_ahead) {
    const std::size_t n = q.take(plain, sizeof plain);
    std::size_t written = 0;
    ERR_clear_error();
    if (SSL_write_ex(ssl_, plain, n, &written) != 1 || written != n) {
      ERR_clear_error();
      failed_ = true;
      return false;
    }
    made = true;
  }
  return made;
}

out_queue::flush_result tls_layer::flush(out_queue& q, int fd) {
  for (;;) {
    while (sent_ < cipher_.size()) {
      const ssize_t n = ::send(fd, cipher_.data() + sent_, cipher_.size() - sent_, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return out_queue::flush_result::would_block;
        return out_queue::flush_result::failed;
      }
      sent_ += static_cast<std::size_t>(n);
    }
    cipher_.clear();
    sent_ = 0;
    if (cipher_.capacity() > kept_cipher_capacity) cipher_.shrink_to_fit();
    if (pull_output()) continue;
    if (!established() || q.empty()) return out_queue::flush_result::done;
    if (!encrypt_some(q)) return out_queue::flush_result::failed;
  }
}

bool tls_layer::close_notify() {
  if (shutdown_sent_ || failed_ || !established()) return false;
  shutdown_sent_ = true;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
  return has_output();
}

}  // namespace sensorhub::ws_detail

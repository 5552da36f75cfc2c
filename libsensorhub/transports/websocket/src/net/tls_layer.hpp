// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "net/out_queue.hpp"

struct ssl_st;  // OpenSSL's SSL
struct bio_st;  // OpenSSL's BIO

namespace sensorhub::ws_detail {

class tls_context;

// The TLS side of one connection: an OpenSSL session over two memory
// BIOs, so the conn keeps doing its own socket work. Ciphertext read from
// the socket goes in with feed(); read() handshakes and hands out
// plaintext; flush() encrypts the out_queue's plaintext (at most a few
// records ahead of the socket) and sends the ciphertext, keeping what the
// kernel did not take. Keeps the context its handshake started with. Not
// thread-safe: the connection's thread owns it.
class tls_layer {
 public:
  // Throws std::bad_alloc when OpenSSL cannot make the session.
  explicit tls_layer(std::shared_ptr<const tls_context> ctx);
  ~tls_layer();
  tls_layer(const tls_layer&) = delete;
  tls_layer& operator=(const tls_layer&) = delete;

  enum class feed_result {
    ok,
    plaintext,  // the first byte is not a TLS handshake record: not a TLS client
  };
  feed_result feed(const char* data, std::size_t len);

  enum class read_status {
    data,        // n bytes of plaintext
    need_input,  // nothing more until feed()
    closed,      // the peer's close_notify
    failed,      // a handshake or record error: close the socket
  };
  struct read_result {
    read_status st;
    std::size_t n;
  };
  // Advances the handshake, then reads up to max bytes of plaintext.
  read_result read(char* dst, std::size_t max);
  // read() may give plaintext without another feed() (it stopped at max).
  bool input_buffered() const noexcept { return maybe_more_; }
  bool established() const noexcept;

  // Ciphertext made and not yet sent (handshake, records, alerts).
  bool has_output() const noexcept;
  std::size_t pending_bytes() const noexcept;
  // Sends pending ciphertext, then encrypts and sends q's plaintext
  // (once established) until q is empty or the socket is full.
  out_queue::flush_result flush(out_queue& q, int fd);
  // Queues our close_notify once (established sessions only); true if it
  // made output to flush.
  bool close_notify();

 private:
  bool pull_output();  // write BIO -> cipher_; true if anything moved
  bool encrypt_some(out_queue& q);

  std::shared_ptr<const tls_context> ctx_;
  ssl_st* ssl_ = nullptr;
  bio_st* rbio_ = nullptr;  // owned by ssl_
  bio_st* wbio_ = nullptr;  // owned by ssl_
  std::string cipher_;      // ciphertext the kernel has not taken
  std::size_t sent_ = 0;    // bytes of cipher_ already sent
  bool first_ = true;       // no byte fed yet
  bool maybe_more_ = false;
  bool shutdown_sent_ = false;
  bool failed_ = false;  // a fatal error: no close_notify (SSL_shutdown is not allowed)
};

}  // namespace sensorhub::ws_detail

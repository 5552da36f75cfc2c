// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <mutex>
#include <string>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace sensorhub::ws_detail {

// One loaded certificate chain and private key as an OpenSSL server
// context with the transport's defaults: TLS 1.2 or newer, no compression,
// the server's cipher preference, no renegotiation. Immutable once made;
// connections share it (each keeps the one its handshake started with).
class tls_context {
 public:
  // Loads the PEM files; throws sensorhub::error (errc::internal) naming
  // the file and OpenSSL's reason when either cannot be read or they do
  // not match.
  tls_context(const std::string& cert_file, const std::string& key_file);
  ~tls_context();
  tls_context(const tls_context&) = delete;
  tls_context& operator=(const tls_context&) = delete;

  ssl_ctx_st* native() const noexcept { return ctx_; }
  // "subject=..., sha256=AB:CD:..., not_after=..." of the leaf certificate.
  const std::string& description() const noexcept { return description_; }

 private:
  ssl_ctx_st* ctx_ = nullptr;
  std::string description_;
};

// The context new connections use, swapped by reload() (any thread).
class tls_holder {
 public:
  tls_holder(std::string cert_file, std::string key_file);  // loads; throws as tls_context

  std::shared_ptr<const tls_context> current() const;
  // Loads the files again; on success new handshakes use them (open
  // connections keep theirs) and the new description is returned. On
  // failure throws (as tls_context) and the old context stays.
  std::string reload();

 private:
  const std::string cert_file_;
  const std::string key_file_;
  mutable std::mutex m_;
  std::shared_ptr<const tls_context> ctx_;  // guarded by m_
};

}  // namespace sensorhub::ws_detail

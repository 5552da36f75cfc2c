// SPDX-License-Identifier: MIT
// The OpenSSL server context of the transport (tls_context) and its
// reloadable holder (tls_holder).
#include "net/tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "sensorhub/error.hpp"

namespace sensorhub::ws_detail {
namespace {

// Mozilla's "intermediate" TLS 1.2 suites (TLS 1.3 has its own defaults).
constexpr const char* tls12_ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

// OpenSSL's queued errors as one line (and the queue emptied).
std::string openssl_reason() {
  std::string out;
  while (const unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

[[noreturn]] void fail(const std::string& what) {
  throw error(errc::internal, what + ": " + openssl_reason());
}

// A clear message for a file that is missing or unreadable, before OpenSSL's.
void check_readable(const std::string& what, const std::string& path) {
  if (path.empty()) throw error(errc::internal, what + ": no file given");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    throw error(errc::internal, "cannot read " + what + " " + path + ": " + std::strerror(errno));
  }
  std::fclose(f);
}

std::string bio_text(BIO* b) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(b, &data);
  return n > 0 ? std::string(data, static_cast<std::size_t>(n)) : std::string();
}

std::string describe(X509* cert) {
  if (cert == nullptr) return "no certificate";
  std::string out = "subject=";
  if (BIO* b = BIO_new(BIO_s_mem())) {
    X509_NAME_print_ex(b, X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
    out += bio_text(b);
    BIO_free(b);
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) == 1) {
    static const char hex[] = "0123456789ABCDEF";
    out += ", sha256=";
    for (unsigned int i = 0; i < len; ++i) {
      if (i != 0) out += ':';
      out += hex[md[i] >> 4];
      out += hex[md[i] & 15];
    }
  }
  if (BIO* b = BIO_new(BIO_s_mem())) {
    if (ASN1_TIME_print(b, X509_get0_notAfter(cert)) == 1) out += ", not_after=" + bio_text(b);
    BIO_free(b);
  }
  ERR_clear_error();
  return out;
}

}  // namespace

tls_context::tls_context(const std::string& cert_file, const std::string& key_file) {
  check_readable("TLS certificate", cert_file);
  check_readable("TLS key", key_file);
  ERR_clear_error();
  ctx_ = SSL_CTX_new(TLS_server_method());
  if (ctx_ == nullptr) fail("cannot make a TLS context");
  try {
    SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
    SSL_CTX_set_options(
        ctx_, SSL_OP_NO_COMPRESSION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_RENEGOTIATION);
    // An idle connection (most WebSockets) holds no TLS buffers.
    SSL_CTX_set_mode(ctx_, SSL_MODE_RELEASE_BUFFERS);
    if (SSL_CTX_set_cipher_list(ctx_, tls12_ciphers) != 1) fail("cannot set the TLS ciphers");
    if (SSL_CTX_use_certificate_chain_file(ctx_, cert_file.c_str()) != 1) {
      fail("cannot load TLS certificate " + cert_file);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx_, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      if (ERR_GET_REASON(ERR_peek_last_error()) == X509_R_KEY_VALUES_MISMATCH) {
        fail("TLS key " + key_file + " does not match certificate " + cert_file);
      }
      fail("cannot load TLS key " + key_file);
    }
    if (SSL_CTX_check_private_key(ctx_) != 1) {
      fail("TLS key " + key_file + " does not match certificate " + cert_file);
    }
    description_ = describe(SSL_CTX_get0_certificate(ctx_));
  } catch (...) {
    SSL_CTX_free(ctx_);
    throw;
  }
}

tls_context::~tls_context() { SSL_CTX_free(ctx_); }

tls_holder::tls_holder(std::string cert_file, std::string key_file)
    : cert_file_(std::move(cert_file)),
      key_file_(std::move(key_file)),
      ctx_(std::make_shared<const tls_context>(cert_file_, key_file_)) {}

std::shared_ptr<const tls_context> tls_holder::current() const {
  std::lock_guard<std::mutex> lk(m_);
  return ctx_;
}

std::string tls_holder::reload() {
  auto fresh = std::make_shared<const tls_context>(cert_file_, key_file_);  // may throw
  std::string text = fresh->description();
  std::lock_guard<std::mutex> lk(m_);
  ctx_ = std::move(fresh);
  return text;
}

}  // namespace sensorhub::ws_detail

// SPDX-License-Identifier: MIT
#include "tls_context.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <asio/ssl/host_name_verification.hpp>
#include <asio/ssl/verify_context.hpp>

#include <stdexcept>
#include <system_error>

namespace sensorhub::client::detail {

namespace {

std::string subject_of(X509* cert) {
  if (cert == nullptr) return "?";
  char buf[256];
  X509_NAME_oneline(X509_get_subject_name(cert), buf, sizeof buf);
  return buf;
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const tls_settings& s,
                                                     std::shared_ptr<tls_verify_report> report) {
  auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                   asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                   asio::ssl::context::no_tlsv1_1);
  if (SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION) != 1)
    throw std::runtime_error("TLS: cannot require TLS 1.2");
  if (!s.verify_peer) {
    ctx->set_verify_mode(asio::ssl::verify_none);
    return ctx;
  }
  std::error_code ec;
  if (s.ca_file.empty()) {
    ctx->set_default_verify_paths(ec);
    if (ec) throw std::invalid_argument("TLS: cannot load the default CA paths: " + ec.message());
  } else {
    ctx->load_verify_file(s.ca_file, ec);
    if (ec)
      throw std::invalid_argument("TLS: cannot load the CA file '" + s.ca_file +
                                  "': " + ec.message());
  }
  ctx->set_verify_mode(asio::ssl::verify_peer);
  ctx->set_verify_callback([check = asio::ssl::host_name_verification(s.host), host = s.host,
                            report](bool preverified, asio::ssl::verify_context& vc) mutable {
    X509_STORE_CTX* store = vc.native_handle();
    const int depth = X509_STORE_CTX_get_error_depth(store);
    if (!preverified) {
      // The chain does not verify (unknown CA, expired, ...).
      if (report->reason.empty())
        report->reason =
            std::string(X509_verify_cert_error_string(X509_STORE_CTX_get_error(store))) +
            " (depth " + std::to_string(depth) + ", " +
            subject_of(X509_STORE_CTX_get_current_cert(store)) + ")";
      return false;
    }
    const bool ok = check(preverified, vc);  // checks the name at depth 0 only
    if (!ok && report->reason.empty())
      report->reason = "the certificate is not for host '" + host + "' (" +
                       subject_of(X509_STORE_CTX_get_current_cert(store)) +
                       "; subjectAltName does not match)";
    return ok;
  });
  return ctx;
}

}  // namespace sensorhub::client::detail

// SPDX-License-Identifier: MIT
#pragma once

// The OpenSSL client context of the wss:// sessions (standalone Asio's
// asio::ssl): TLS 1.2 or newer; with verification, the chain against the CA
// file (or the system's default verify paths) and the host name against the
// certificate's subjectAltName.

#include <asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace sensorhub::client::detail {

struct tls_settings {
  std::string host;     // the URL's host: the name (or IP address) to verify
  std::string ca_file;  // PEM; empty: default verify paths
  bool verify_peer = true;
};

// Why the last handshake's verification failed ("" if it did not). Written
// by the verify callback on the network thread, read there after a failure.
struct tls_verify_report {
  std::string reason;
};

// Throws std::invalid_argument when the CA file cannot be loaded.
std::shared_ptr<asio::ssl::context> make_tls_context(const tls_settings& s,
                                                     std::shared_ptr<tls_verify_report> report);

}  // namespace sensorhub::client::detail

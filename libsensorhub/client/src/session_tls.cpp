// SPDX-License-Identifier: MIT
// The wss:// session (websocketpp's asio_tls_client over asio::ssl, OpenSSL;
// the context is tls_context.cpp's). websocketpp sends the URL's host as SNI
// (SSL_set_tlsext_host_name) before the handshake.

#include <websocketpp/config/asio_client.hpp>

#include "basic_session.hpp"

namespace sensorhub::client::detail {

std::unique_ptr<session> make_tls_session(client_options options) {
  return std::make_unique<basic_session<websocketpp::config::asio_tls_client, true>>(
      std::move(options));
}

}  // namespace sensorhub::client::detail

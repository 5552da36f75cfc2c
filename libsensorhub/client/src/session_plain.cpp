// SPDX-License-Identifier: MIT
// The plain ws:// session (websocketpp's asio_client).

#include <websocketpp/config/asio_no_tls_client.hpp>

#include "basic_session.hpp"

namespace sensorhub::client::detail {

std::unique_ptr<session> make_plain_session(client_options options) {
  return std::make_unique<basic_session<websocketpp::config::asio_client, false>>(
      std::move(options));
}

}  // namespace sensorhub::client::detail

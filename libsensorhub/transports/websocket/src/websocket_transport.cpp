// SPDX-License-Identifier: MIT
// websocket_transport: the public facade over the server (net/).
#include "sensorhub/transports/websocket.hpp"

#include <memory>
#include <utility>

#include "net/server.hpp"

namespace sensorhub {

struct websocket_transport::impl {
  std::shared_ptr<ws_detail::server> core;
};

websocket_transport::websocket_transport(websocket_options options)
    : impl_(std::make_shared<impl>()) {
  impl_->core = std::make_shared<ws_detail::server>(std::move(options));
}

websocket_transport::~websocket_transport() { stop(); }

void websocket_transport::start(const transport_context& ctx) { impl_->core->start(ctx); }
void websocket_transport::stop() noexcept { impl_->core->stop(); }
void websocket_transport::stop_accepting() noexcept { impl_->core->stop_accepting(); }
void websocket_transport::close_principal(const std::string& principal, int code,
                                          const std::string& reason) {
  impl_->core->close_principal(principal, code, reason);
}
std::string websocket_transport::reload_tls() { return impl_->core->reload_tls(); }
std::string websocket_transport::tls_certificate() const { return impl_->core->tls_certificate(); }
std::uint16_t websocket_transport::port() const noexcept { return impl_->core->port(); }
std::size_t websocket_transport::open_connections() const noexcept {
  return impl_->core->open_connections();
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "ceiling/acceptor.hpp"

#include <chrono>
#include <memory>

#include <asio/post.hpp>

#include "ceiling/connection.hpp"
#include "ceiling/hub.hpp"

namespace ceiling {

acceptor::acceptor(hub& server, const asio::ip::tcp::endpoint& at)
    : hub_(server), acceptor_(server.workers().front()->io()), retry_(acceptor_.get_executor()) {
  acceptor_.open(at.protocol());
  acceptor_.set_option(asio::ip::tcp::acceptor::reuse_address(true));
  acceptor_.bind(at);
  acceptor_.listen(asio::socket_base::max_listen_connections);
}

void acceptor::start() {
  worker& target = hub_.next_worker();
  acceptor_.async_accept(
      target.io(), [this, &target](const asio::error_code& ec, asio::ip::tcp::socket socket) {
        if (ec == asio::error::operation_aborted) return;
        if (ec) {
          retry_.expires_after(std::chrono::milliseconds(10));
          retry_.async_wait([this](const asio::error_code& e) {
            if (!e) start();
          });
          return;
        }
        asio::post(target.io(), [s = std::make_shared<asio::ip::tcp::socket>(std::move(socket)),
                                 &target, this]() mutable {
          std::make_shared<connection>(std::move(*s), target, hub_)->start();
        });
        start();
      });
}

}  // namespace ceiling

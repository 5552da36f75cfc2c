// SPDX-License-Identifier: MIT
#include "scenarios/broadcast_server.hpp"

#include <mutex>
#include <thread>
#include <vector>

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/server.hpp>

namespace bench {

namespace {
using ws_server = websocketpp::server<websocketpp::config::asio>;
}  // namespace

struct broadcast_server::impl {
  asio::io_context io;
  ws_server server;
  std::thread thread;
  unsigned short port = 0;
  mutable std::mutex mu;
  std::vector<ws_server::connection_ptr> open;

  impl() {
    server.clear_access_channels(websocketpp::log::alevel::all);
    server.clear_error_channels(websocketpp::log::elevel::all);
    server.init_asio(&io);
    server.set_reuse_addr(true);
    server.set_listen_backlog(1024);
    server.set_socket_init_handler(
        [](const websocketpp::connection_hdl&, asio::ip::tcp::socket& s) {
          std::error_code ignored;
          s.set_option(asio::ip::tcp::no_delay(true), ignored);
        });
    server.set_open_handler([this](const websocketpp::connection_hdl& h) {
      auto con = server.get_con_from_hdl(h);
      {
        std::lock_guard<std::mutex> lock(mu);
        open.push_back(con);
      }
      con->send(std::string(R"({"type":"connection_established","client_id":"baseline",)"
                            R"("channels":["sensors"],"server":"broadcast-baseline"})"),
                websocketpp::frame::opcode::text);
    });
    server.set_close_handler([this](const websocketpp::connection_hdl& h) {
      auto con = server.get_con_from_hdl(h);
      std::lock_guard<std::mutex> lock(mu);
      for (auto it = open.begin(); it != open.end(); ++it) {
        if (*it == con) {
          open.erase(it);
          break;
        }
      }
    });
    server.listen(asio::ip::tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    std::error_code ec;
    port = server.get_local_endpoint(ec).port();
    server.start_accept();
    thread = std::thread([this] { io.run(); });
  }
};

broadcast_server::broadcast_server() : impl_(std::make_unique<impl>()) {}

broadcast_server::~broadcast_server() {
  try {
    shutdown();
  } catch (...) {
    // Destructors do not throw; the process is ending the run anyway.
  }
}

unsigned short broadcast_server::port() const { return impl_->port; }

std::size_t broadcast_server::connections() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->open.size();
}

void broadcast_server::broadcast(const std::string& payload) {
  std::vector<ws_server::connection_ptr> targets;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    targets = impl_->open;
  }
  for (auto& con : targets) {
    con->send(payload, websocketpp::frame::opcode::text);
  }
}

void broadcast_server::shutdown() {
  if (!impl_->thread.joinable()) {
    return;
  }
  std::error_code ec;
  impl_->server.stop_listening(ec);
  std::vector<ws_server::connection_ptr> targets;
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    targets.swap(impl_->open);
  }
  for (auto& con : targets) {
    con->close(websocketpp::close::status::going_away, "", ec);
  }
  impl_->io.stop();
  impl_->thread.join();
}

}  // namespace bench

// SPDX-License-Identifier: MIT
#include "tls_proxy.hpp"

#include <openssl/ssl.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/post.hpp>
#include <asio/ssl/context.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>

#include <array>
#include <atomic>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <utility>

namespace sensorhub::testing {

namespace {

using asio::ip::tcp;

// One client connection and its backend connection; lives while an
// operation of it is pending (io thread only).
class proxied : public std::enable_shared_from_this<proxied> {
 public:
  using registry = std::set<std::shared_ptr<proxied>>;
  using sni_sink = std::function<void(const std::string&)>;

  proxied(tcp::socket client, asio::ssl::context& ctx, std::uint16_t backend_port, registry& reg,
          sni_sink on_sni)
      : tls_(std::move(client), ctx),
        plain_(tls_.get_executor()),
        backend_port_(backend_port),
        registry_(reg),
        on_sni_(std::move(on_sni)) {}

  void start() {
    tls_.async_handshake(
        asio::ssl::stream_base::server, [self = shared_from_this()](const std::error_code& ec) {
          if (ec) return self->close();
          const char* sni =
              SSL_get_servername(self->tls_.native_handle(), TLSEXT_NAMETYPE_host_name);
          self->on_sni_(sni != nullptr ? sni : "");
          self->connect_backend();
        });
  }

  void close() {
    if (closed_) return;
    closed_ = true;
    std::error_code ec;
    tls_.lowest_layer().shutdown(tcp::socket::shutdown_both, ec);
    tls_.lowest_layer().close(ec);
    plain_.shutdown(tcp::socket::shutdown_both, ec);
    plain_.close(ec);
    registry_.erase(shared_from_this());
  }

 private:
  void connect_backend() {
    plain_.async_connect(tcp::endpoint(asio::ip::address_v4::loopback(), backend_port_),
                         [self = shared_from_this()](const std::error_code& ec) {
                           if (ec || self->closed_) return self->close();
                           self->pump_up();
                           self->pump_down();
                         });
  }

  // client -> daemon
  void pump_up() {
    tls_.async_read_some(asio::buffer(up_),
                         [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                           if (ec || self->closed_) return self->close();
                           asio::async_write(self->plain_, asio::buffer(self->up_, n),
                                             [self](const std::error_code& wec, std::size_t) {
                                               if (wec || self->closed_) return self->close();
                                               self->pump_up();
                                             });
                         });
  }

  // daemon -> client
  void pump_down() {
    plain_.async_read_some(asio::buffer(down_),
                           [self = shared_from_this()](const std::error_code& ec, std::size_t n) {
                             if (ec || self->closed_) return self->close();
                             asio::async_write(self->tls_, asio::buffer(self->down_, n),
                                               [self](const std::error_code& wec, std::size_t) {
                                                 if (wec || self->closed_) return self->close();
                                                 self->pump_down();
                                               });
                           });
  }

  asio::ssl::stream<tcp::socket> tls_;
  tcp::socket plain_;
  std::uint16_t backend_port_;
  registry& registry_;
  sni_sink on_sni_;
  bool closed_ = false;
  std::array<char, 16384> up_{};
  std::array<char, 16384> down_{};
};

}  // namespace

struct tls_proxy::state {
  asio::io_context io;
  asio::ssl::context ctx{asio::ssl::context::tls_server};
  tcp::acceptor acceptor{io};
  std::uint16_t backend_port = 0;
  std::uint16_t port = 0;
  std::atomic<std::uint64_t> accepted{0};
  proxied::registry conns;  // io thread only
  std::thread thread;
  mutable std::mutex sni_mu;
  std::string last_sni;

  void accept() {
    acceptor.async_accept([this](const std::error_code& ec, tcp::socket sock) {
      if (!acceptor.is_open()) return;  // stopping
      if (!ec) {
        accepted.fetch_add(1);
        auto c = std::make_shared<proxied>(std::move(sock), ctx, backend_port, conns,
                                           [this](const std::string& sni) {
                                             std::lock_guard<std::mutex> lock(sni_mu);
                                             last_sni = sni;
                                           });
        conns.insert(c);
        c->start();
      }
      accept();
    });
  }
};

tls_proxy::tls_proxy(const std::filesystem::path& cert_chain, const std::filesystem::path& key,
                     std::uint16_t backend_port)
    : s_(std::make_unique<state>()) {
  s_->backend_port = backend_port;
  try {
    s_->ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                        asio::ssl::context::no_sslv3);
    SSL_CTX_set_min_proto_version(s_->ctx.native_handle(), TLS1_2_VERSION);
    s_->ctx.use_certificate_chain_file(cert_chain.string());
    s_->ctx.use_private_key_file(key.string(), asio::ssl::context::pem);
    const tcp::endpoint ep(asio::ip::address_v4::loopback(), 0);
    s_->acceptor.open(ep.protocol());
    s_->acceptor.bind(ep);
    s_->acceptor.listen();
    s_->port = s_->acceptor.local_endpoint().port();
  } catch (const std::system_error& e) {
    throw std::runtime_error(std::string("tls_proxy: ") + e.what());
  }
  s_->accept();
  state* st = s_.get();
  s_->thread = std::thread([st] { st->io.run(); });
}

tls_proxy::~tls_proxy() { stop(); }

std::uint16_t tls_proxy::port() const noexcept { return s_->port; }
std::uint64_t tls_proxy::accepted() const noexcept { return s_->accepted.load(); }

std::string tls_proxy::last_server_name() const {
  std::lock_guard<std::mutex> lock(s_->sni_mu);
  return s_->last_sni;
}

void tls_proxy::stop() {
  if (!s_->thread.joinable()) return;
  state* st = s_.get();
  asio::post(st->io, [st] {
    std::error_code ec;
    st->acceptor.close(ec);
    const proxied::registry all = st->conns;
    for (const auto& c : all) c->close();
  });
  // Every pending operation ends (aborted) and nothing starts again: run()
  // returns when the last handler has run.
  st->thread.join();
}

}  // namespace sensorhub::testing

// SPDX-License-Identifier: MIT
#include "http_get.hpp"

#include <openssl/ssl.h>

#include <asio/connect.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/address.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/ssl/stream.hpp>
#include <asio/write.hpp>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>

#include "http_response_parser.hpp"
#include "sensorhub/client/history.hpp"
#include "tls_context.hpp"

namespace sensorhub::client::detail {

namespace {

using tcp = asio::ip::tcp;

std::string request_text(const http_get_request& r) {
  const std::string& host = r.url.host;
  const bool default_port = r.url.port == (r.url.tls ? 443 : 80);
  std::string authority = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (!default_port) authority += ":" + std::to_string(r.url.port);
  std::string text = "GET " + r.target + " HTTP/1.1\r\nHost: " + authority +
                     "\r\nConnection: close\r\nAccept: application/json\r\n"
                     "User-Agent: sensorhub-client\r\n";
  if (!r.token.empty()) text += "Authorization: Bearer " + r.token + "\r\n";
  return text + "\r\n";
}

// The exchange over `stream` (tcp::socket or ssl::stream): connect, the
// handshake (TLS only), write, read until the response is whole or closed.
// Runs `ioc` for at most the timeout.
template <typename Stream>
class exchange {
 public:
  exchange(asio::io_context& ioc, Stream& stream, const http_get_request& req,
           std::function<void(std::function<void(std::error_code)>)> handshake)
      : ioc_(ioc), stream_(stream), req_(req), handshake_(std::move(handshake)), resolver_(ioc) {}

  http_get_response run() {
    out_ = request_text(req_);
    resolver_.async_resolve(req_.url.host, std::to_string(req_.url.port),
                            [this](std::error_code ec, tcp::resolver::results_type results) {
                              if (ec) return fail("cannot resolve '" + req_.url.host + "'", ec);
                              on_resolved(results);
                            });
    ioc_.run_for(req_.timeout);
    if (!done_) {
      std::error_code ignored;
      resolver_.cancel();
      lowest().close(ignored);
      ioc_.restart();
      ioc_.run();  // the cancelled handlers, so nothing outlives this frame
      throw history_error(
          error_kind::connect_failed,
          where() + ": no complete answer within " + std::to_string(req_.timeout.count()) + " ms");
    }
    if (error_) throw history_error(error_kind::connect_failed, *error_);
    std::string parse_error;
    auto res = parser_.finish(parse_error);
    if (!res) throw history_error(error_kind::bad_message, where() + ": " + parse_error);
    return http_get_response{res->status, std::move(res->body)};
  }

  // Why the TLS verification failed, when it did (set by the caller).
  std::function<std::string()> verify_reason;

 private:
  tcp::socket& lowest() {
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      return stream_;
    } else {
      return stream_.next_layer();
    }
  }
  std::string where() const {
    return (req_.url.tls ? "https://" : "http://") + req_.url.host + ":" +
           std::to_string(req_.url.port);
  }
  void fail(const std::string& what, std::error_code ec) {
    std::string msg = where() + ": " + what + ": " + ec.message();
    if (verify_reason) {
      const std::string why = verify_reason();
      if (!why.empty()) msg += " (" + why + ")";
    }
    error_ = msg;
    done_ = true;
  }
  void on_resolved(const tcp::resolver::results_type& results) {
    asio::async_connect(lowest(), results, [this](std::error_code ec, const tcp::endpoint&) {
      if (ec) return fail("cannot connect", ec);
      handshake_([this](std::error_code hec) {
        if (hec) return fail("TLS handshake failed", hec);
        asio::async_write(stream_, asio::buffer(out_), [this](std::error_code wec, std::size_t) {
          if (wec) return fail("sending the request", wec);
          read_more();
        });
      });
    });
  }
  void read_more() {
    stream_.async_read_some(asio::buffer(buf_), [this](std::error_code ec, std::size_t n) {
      if (n > 0) parser_.feed(buf_.data(), n);
      if (parser_.complete()) {
        done_ = true;
        return;
      }
      if (ec) {
        // The end of the stream ends a response without Content-Length. A
        // TLS peer that closes without close_notify ends it the same way.
        const bool eof = ec == asio::error::eof || ec == asio::ssl::error::stream_truncated;
        if (!eof) return fail("reading the response", ec);
        parser_.at_eof();
        done_ = true;
        return;
      }
      if (parser_.size() > max_response_bytes)
        return fail("reading the response", std::make_error_code(std::errc::message_size));
      read_more();
    });
  }

  static constexpr std::size_t max_response_bytes = 256u * 1024u * 1024u;
  asio::io_context& ioc_;
  Stream& stream_;
  const http_get_request& req_;
  std::function<void(std::function<void(std::error_code)>)> handshake_;
  tcp::resolver resolver_;
  std::string out_;
  std::array<char, 65536> buf_{};
  http_response_parser parser_;
  bool done_ = false;
  std::optional<std::string> error_;
};

bool is_ip_address(const std::string& host) {
  std::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

http_get_response http_get(const http_get_request& req) {
  asio::io_context ioc;
  if (!req.url.tls) {
    tcp::socket sock(ioc);
    exchange<tcp::socket> ex(ioc, sock, req, [](auto done) { done(std::error_code()); });
    return ex.run();
  }
  auto report = std::make_shared<tls_verify_report>();
  auto ctx = make_tls_context({req.url.host, req.tls_ca_file, req.tls_verify_peer}, report);
  asio::ssl::stream<tcp::socket> stream(ioc, *ctx);
  // SNI (SSL_set_tlsext_host_name, a macro with a C cast) carries a name
  // only, never an IP address (RFC 6066 §3).
  if (!is_ip_address(req.url.host) &&
      SSL_ctrl(stream.native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(req.url.host.c_str())) != 1)
    throw history_error(error_kind::connect_failed, "TLS: cannot set SNI '" + req.url.host + "'");
  exchange<asio::ssl::stream<tcp::socket>> ex(ioc, stream, req, [&stream](auto done) {
    stream.async_handshake(asio::ssl::stream_base::client,
                           [done](std::error_code ec) { done(ec); });
  });
  ex.verify_reason = [report] { return report->reason; };
  return ex.run();
}

}  // namespace sensorhub::client::detail

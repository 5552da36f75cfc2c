#include "clients/http_client.hpp"

#include <array>
#include <cctype>
#include <charconv>
#include <memory>
#include <stdexcept>

#include <asio/connect.hpp>
#include <asio/read.hpp>
#include <asio/steady_timer.hpp>
#include <asio/write.hpp>

namespace bench {

namespace {

// One request/response on its own socket. Lives as long as an operation or
// the timer holds a reference. Used from one io thread at a time.
class exchange : public std::enable_shared_from_this<exchange> {
 public:
  exchange(asio::io_context& io, std::string request, std::function<void(http_response)> done)
      : socket_(io), timer_(io), request_(std::move(request)), done_(std::move(done)) {}

  void start(const asio::ip::tcp::endpoint& endpoint, std::chrono::milliseconds timeout) {
    auto self = shared_from_this();
    timer_.expires_after(timeout);
    timer_.async_wait([self](const std::error_code& ec) {
      if (!ec) {
        self->fail("timeout");
      }
    });
    socket_.async_connect(endpoint, [self](const std::error_code& ec) {
      if (self->finished_) {
        return;
      }
      if (ec) {
        self->fail("connect: " + ec.message());
        return;
      }
      std::error_code ignored;
      self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
      asio::async_write(self->socket_, asio::buffer(self->request_),
                        [self](const std::error_code& wec, std::size_t) {
                          if (self->finished_) {
                            return;
                          }
                          if (wec) {
                            self->fail("write: " + wec.message());
                            return;
                          }
                          self->read_more();
                        });
    });
  }

 private:
  void read_more() {
    auto self = shared_from_this();
    socket_.async_read_some(asio::buffer(chunk_), [self](const std::error_code& ec, std::size_t n) {
      if (self->finished_) {
        return;
      }
      self->received_.append(self->chunk_.data(), n);
      if (self->try_complete(false)) {
        return;
      }
      if (ec == asio::error::eof) {
        self->try_complete(true);
        return;
      }
      if (ec) {
        self->fail("read: " + ec.message());
        return;
      }
      self->read_more();
    });
  }

  // Returns true when the exchange finished (successfully or not).
  bool try_complete(bool at_eof) {
    const auto header_end = received_.find("\r\n\r\n");
    if (header_end == std::string::npos) {
      if (at_eof) {
        fail("connection closed before the response headers");
      }
      return at_eof;
    }
    int status = 0;
    const auto space = received_.find(' ');
    if (space == std::string::npos || space > header_end) {
      fail("malformed status line");
      return true;
    }
    std::from_chars(received_.data() + space + 1, received_.data() + header_end, status);
    std::string headers = received_.substr(0, header_end + 2);
    for (char& c : headers) {
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    const std::size_t body_start = header_end + 4;
    const auto cl = headers.find("\r\ncontent-length:");
    if (cl != std::string::npos) {
      std::size_t pos = cl + 17;
      while (pos < headers.size() && headers[pos] == ' ') {
        ++pos;
      }
      std::size_t length = 0;
      std::from_chars(headers.data() + pos, headers.data() + headers.size(), length);
      if (received_.size() - body_start >= length) {
        finish(status, received_.substr(body_start, length));
        return true;
      }
      if (at_eof) {
        fail("connection closed inside the body");
        return true;
      }
      return false;
    }
    if (at_eof) {
      finish(status, received_.substr(body_start));
      return true;
    }
    return false;
  }

  void finish(int status, std::string body) {
    http_response r;
    r.status = status;
    r.body = std::move(body);
    complete(std::move(r));
  }

  void fail(std::string why) {
    http_response r;
    r.error = std::move(why);
    complete(std::move(r));
  }

  void complete(http_response r) {
    if (finished_) {
      return;
    }
    finished_ = true;
    timer_.cancel();
    std::error_code ignored;
    socket_.close(ignored);
    done_(std::move(r));
  }

  asio::ip::tcp::socket socket_;
  asio::steady_timer timer_;
  std::string request_;
  std::function<void(http_response)> done_;
  std::array<char, 16384> chunk_{};
  std::string received_;
  bool finished_ = false;
};

}  // namespace

std::string make_http_request(std::string_view method, std::string_view target,
                              std::string_view host, std::string_view body, std::string_view token,
                              bool keep_alive) {
  std::string r;
  r.reserve(160 + body.size());
  r.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: ").append(host);
  r.append(keep_alive ? "\r\n" : "\r\nConnection: close\r\n");
  r.append("User-Agent: sensorhub_bench\r\n");
  if (!token.empty()) {
    r.append("Authorization: Bearer ").append(token).append("\r\n");
  }
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    r.append("Content-Type: application/json\r\nContent-Length: ");
    r.append(std::to_string(body.size())).append("\r\n");
  }
  r.append("\r\n").append(body);
  return r;
}

void async_http_request(asio::io_context& io, const asio::ip::tcp::endpoint& endpoint,
                        std::string request, std::chrono::milliseconds timeout,
                        std::function<void(http_response)> done) {
  std::make_shared<exchange>(io, std::move(request), std::move(done))->start(endpoint, timeout);
}

http_response http_call(const asio::ip::tcp::endpoint& endpoint, std::string request,
                        std::chrono::milliseconds timeout) {
  asio::io_context io;
  http_response out;
  async_http_request(io, endpoint, std::move(request), timeout,
                     [&out](http_response r) { out = std::move(r); });
  io.run();
  return out;
}

asio::ip::tcp::endpoint resolve_endpoint(const std::string& host, unsigned short port) {
  std::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (!ec) {
    return asio::ip::tcp::endpoint(address, port);
  }
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  const auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot resolve " + host + ": " + ec.message());
  }
  return results.begin()->endpoint();
}

}  // namespace bench

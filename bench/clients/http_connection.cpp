// SPDX-License-Identifier: MIT
#include "clients/http_connection.hpp"

#include <asio/post.hpp>
#include <asio/write.hpp>

#include "clients/http_response_parser.hpp"

namespace bench {

http_connection::http_connection(asio::io_context& io, asio::ip::tcp::endpoint endpoint,
                                 std::chrono::milliseconds timeout)
    : strand_(asio::make_strand(io)),
      endpoint_(std::move(endpoint)),
      timeout_(timeout),
      socket_(strand_),
      timer_(strand_) {}

void http_connection::exchange(std::string request, callback done) {
  auto self = shared_from_this();
  asio::post(strand_, [self, request = std::move(request), done = std::move(done)]() mutable {
    self->request_ = std::move(request);
    self->done_ = std::move(done);
    self->finished_ = false;
    self->retried_ = false;
    const std::uint64_t gen = ++self->generation_;
    self->timer_.expires_after(self->timeout_);
    self->timer_.async_wait([self, gen](const std::error_code& ec) {
      if (!ec && gen == self->generation_ && !self->finished_) {
        self->close_socket();
        self->on_failure("timeout", false);
      }
    });
    if (self->socket_.is_open()) {
      self->reused_ = true;
      self->write();
    } else {
      self->connect_then_write();
    }
  });
}

void http_connection::connect_then_write() {
  auto self = shared_from_this();
  const std::uint64_t gen = generation_;
  reused_ = false;
  received_.clear();
  ++connects_;
  socket_.async_connect(endpoint_, [self, gen](const std::error_code& ec) {
    if (gen != self->generation_ || self->finished_) return;
    if (ec) {
      self->close_socket();
      self->on_failure("connect: " + ec.message(), false);
      return;
    }
    std::error_code ignored;
    self->socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
    self->write();
  });
}

void http_connection::write() {
  auto self = shared_from_this();
  const std::uint64_t gen = generation_;
  asio::async_write(socket_, asio::buffer(request_),
                    [self, gen](const std::error_code& ec, std::size_t) {
                      if (gen != self->generation_ || self->finished_) return;
                      if (ec) {
                        self->on_failure("write: " + ec.message(), true);
                        return;
                      }
                      self->read_more();
                    });
}

void http_connection::read_more() {
  auto self = shared_from_this();
  const std::uint64_t gen = generation_;
  socket_.async_read_some(asio::buffer(chunk_), [self, gen](const std::error_code& ec,
                                                            std::size_t n) {
    if (gen != self->generation_ || self->finished_) return;
    self->received_.append(self->chunk_.data(), n);
    const bool at_eof = ec == asio::error::eof;
    if (ec && !at_eof && self->received_.empty()) {
      self->on_failure("read: " + ec.message(), true);
      return;
    }
    parsed_response p;
    std::string error;
    const parse_state s = parse_http_response(self->received_, at_eof || ec, p, error);
    if (s == parse_state::incomplete) {
      self->read_more();
      return;
    }
    if (s == parse_state::invalid) {
      self->on_failure(ec && !at_eof ? "read: " + ec.message() : error, self->received_.empty());
      return;
    }
    self->received_.erase(0, p.consumed);
    http_response r;
    r.status = p.status;
    r.body = std::move(p.body);
    self->complete(std::move(r), p.keep_alive && !ec);
  });
}

void http_connection::on_failure(const std::string& why, bool nothing_received) {
  close_socket();
  if (reused_ && nothing_received && !retried_ && why != "timeout") {
    retried_ = true;  // the server closed the idle connection: once more on a new one
    connect_then_write();
    return;
  }
  http_response r;
  r.error = why;
  complete(std::move(r), false);
}

void http_connection::complete(http_response r, bool keep_open) {
  if (finished_) return;
  finished_ = true;
  timer_.cancel();
  if (!keep_open) close_socket();
  callback done = std::move(done_);
  done_ = nullptr;
  done(std::move(r));
}

void http_connection::close_socket() {
  std::error_code ignored;
  socket_.close(ignored);
  received_.clear();
}

}  // namespace bench

#include "ceiling/connection.hpp"

#include <asio/write.hpp>

#include "ceiling/http_request.hpp"
#include "ceiling/hub.hpp"
#include "ceiling/websocket.hpp"

namespace ceiling {

namespace {

constexpr std::size_t scratch_size = 64 * 1024;
constexpr std::size_t max_client_payload = 64 * 1024;

// Drops the capacity of a string that grew for a burst, so idle sockets stay small.
void release(std::string& s) {
  if (s.empty() && s.capacity() > 4096) std::string().swap(s);
}

}  // namespace

connection::connection(asio::ip::tcp::socket socket, worker& owner, hub& server)
    : socket_(std::move(socket)), owner_(owner), hub_(server) {}

void connection::start() {
  asio::error_code ec;
  socket_.set_option(asio::ip::tcp::no_delay(true), ec);
  socket_.non_blocking(true, ec);
  wait_readable();
}

void connection::wait_readable() {
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](const asio::error_code& ec) {
                       if (ec) {
                         self->close();
                       } else {
                         self->on_readable();
                       }
                     });
}

void connection::on_readable() {
  thread_local char scratch[scratch_size];
  for (;;) {
    asio::error_code ec;
    const std::size_t n = socket_.read_some(asio::buffer(scratch), ec);
    if (ec == asio::error::would_block) break;
    if (ec) {
      close();
      return;
    }
    in_.append(scratch, n);
    if (n < scratch_size) break;
  }
  const bool ok = websocket_ ? consume_websocket() : consume_http();
  if (!ok) {
    close();
    return;
  }
  release(in_);
  flush();
  if (!closed_) wait_readable();
}

bool connection::consume_http() {
  std::size_t used = 0;
  while (!websocket_ && !close_after_write_) {
    http_request req;
    const auto st = parse_request_head(std::string_view(in_).substr(used), req);
    if (st == parse_status::bad) return false;
    if (st == parse_status::incomplete) break;
    if (req.chunked || req.content_length > (1u << 20)) return false;
    if (in_.size() - used < req.head_size + req.content_length) break;
    const std::string_view body(in_.data() + used + req.head_size, req.content_length);
    if (!answer(req, body)) return false;
    used += req.head_size + req.content_length;
  }
  in_.erase(0, used);
  return websocket_ ? consume_websocket() : true;
}

bool connection::consume_websocket() {
  std::size_t used = 0;
  while (!close_after_write_) {
    client_frame f;
    const auto st = parse_client_frame(std::string_view(in_).substr(used), max_client_payload, f);
    if (st == frame_status::bad) return false;
    if (st == frame_status::incomplete) break;
    char* frame = in_.data() + used;
    if (f.opcode == 0x8) {  // close: answer 1000 and close once it is written
      out_ += server_frame(0x8, std::string_view("\x03\xe8", 2));
      close_after_write_ = true;
    } else if (f.opcode == 0x9) {  // ping: pong with the same payload
      unmask(frame, f);
      out_ += server_frame(0xA, std::string_view(frame + f.header, f.payload));
    }
    used += f.size;  // text messages are not answered
  }
  in_.erase(0, used);
  return true;
}

void connection::flush() {
  if (writing_ || closed_ || out_.empty()) return;
  writing_ = true;
  inflight_.swap(out_);
  asio::async_write(socket_, asio::buffer(inflight_),
                    [self = shared_from_this()](const asio::error_code& ec, std::size_t) {
                      self->writing_ = false;
                      self->inflight_.clear();
                      release(self->inflight_);
                      if (ec) {
                        self->close();
                      } else if (self->close_after_write_ && self->out_.empty()) {
                        self->close();
                      } else {
                        self->flush();
                      }
                    });
}

void connection::close() {
  if (closed_) return;
  closed_ = true;
  asio::error_code ec;
  socket_.close(ec);
  std::string().swap(out_);
  if (websocket_) {
    owner_.remove(*this);
    hub_.connection_closed();
  }
}

}  // namespace ceiling

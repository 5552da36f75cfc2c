// SPDX-License-Identifier: MIT
#include "ceiling/connection.hpp"

#include <algorithm>
#include <vector>

#include <asio/post.hpp>
#include <asio/write.hpp>

#include "ceiling/http_request.hpp"
#include "ceiling/hub.hpp"
#include "ceiling/websocket.hpp"

namespace ceiling {

namespace {

constexpr std::size_t scratch_size = 64 * 1024;
constexpr std::size_t max_client_payload = 64 * 1024;

// Drops the heap buffer of an emptied string, so idle sockets hold none.
void release(std::string& s) {
  if (s.empty()) std::string().swap(s);
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

// With nothing pending, one gather write straight from the shared frames;
// only what the kernel does not take is copied into the pending output.
void connection::send(const std::vector<frame_ptr>& frames) {
  if (closed_ || frames.empty()) return;
  std::size_t first = 0;
  std::size_t offset = 0;  // bytes of frames[first] already sent
  if (!writing_ && out_.empty()) {
    thread_local std::vector<asio::const_buffer> buffers;
    const std::size_t n = std::min<std::size_t>(frames.size(), 64);  // IOV_MAX-safe
    buffers.clear();
    for (std::size_t i = 0; i < n; ++i) buffers.push_back(asio::buffer(*frames[i]));
    asio::error_code ec;
    std::size_t sent = socket_.write_some(buffers, ec);
    if (ec && ec != asio::error::would_block && ec != asio::error::try_again) {
      asio::post(socket_.get_executor(), [self = shared_from_this()] { self->close(); });
      return;
    }
    if (ec) sent = 0;
    while (first < n && sent >= frames[first]->size()) {
      sent -= frames[first]->size();
      ++first;
    }
    offset = sent;  // a part of frames[first]
  }
  for (std::size_t i = first; i < frames.size(); ++i) {
    out_.append(*frames[i], i == first ? offset : 0, std::string::npos);
  }
  flush();
}

// Writes what is pending right away (the socket is non-blocking); only what
// the kernel does not take goes to an async write. Never closes inline: the
// caller may be iterating over its worker's sockets.
void connection::flush() {
  if (writing_ || closed_ || out_.empty()) return;
  asio::error_code ec;
  std::size_t n = socket_.write_some(asio::buffer(out_), ec);
  if (ec == asio::error::would_block || ec == asio::error::try_again) {
    n = 0;
    ec.clear();
  }
  if (ec || (n == out_.size() && close_after_write_)) {
    out_.clear();
    asio::post(socket_.get_executor(), [self = shared_from_this()] { self->close(); });
    return;
  }
  out_.erase(0, n);
  release(out_);
  if (out_.empty()) return;
  writing_ = true;
  inflight_.swap(out_);
  asio::async_write(socket_, asio::buffer(inflight_),
                    [self = shared_from_this()](const asio::error_code& e, std::size_t) {
                      self->writing_ = false;
                      self->inflight_.clear();
                      release(self->inflight_);
                      if (e || (self->close_after_write_ && self->out_.empty())) {
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

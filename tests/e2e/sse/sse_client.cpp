// SPDX-License-Identifier: MIT
#include "sse_client.hpp"

#include <stdexcept>

#include "support/http1_connection.hpp"

namespace sensorhub::e2e {

std::optional<std::int64_t> sse_record::seq() const {
  if (!id) return std::nullopt;
  try {
    return std::stoll(*id);
  } catch (...) {
    return std::nullopt;
  }
}

sse_client::sse_client(const std::string& host, std::uint16_t port, const std::string& target,
                       const header_list& headers, int receive_buffer) {
  sock_ = tcp_socket::connect(host, port, testing::default_timeout, {}, receive_buffer);
  const std::string authority = host + ":" + std::to_string(port);
  sock_.send_all(testing::http1_request("GET", target, authority, headers));
  head_ = testing::read_http_response(sock_, wire_, true);
  streaming_ = head_.status == 200 &&
               head_.header("content-type").find("text/event-stream") != std::string::npos;
  chunked_ = head_.header("transfer-encoding").find("chunked") != std::string::npos;
  if (!streaming_) {
    // Not a stream: read the whole answer body that follows the head.
    std::string rest = std::move(wire_);
    wire_.clear();
    const auto deadline = std::chrono::steady_clock::now() + testing::default_timeout;
    const std::size_t len =
        head_.header("content-length").empty() ? 0 : std::stoul(head_.header("content-length"));
    while (rest.size() < len && sock_.read_some(rest, deadline)) {
    }
    head_.body = rest.substr(0, len);
  }
}

// Moves whole chunks from wire_ to body_; false once the last chunk came.
bool sse_client::decode_chunks() {
  if (!chunked_) {
    body_ += wire_;
    raw_ += wire_;
    wire_.clear();
    return true;
  }
  for (;;) {
    const auto eol = wire_.find("\r\n");
    if (eol == std::string::npos) return true;
    const std::size_t size = std::stoul(wire_.substr(0, eol), nullptr, 16);
    if (size == 0) return false;  // the last chunk (no trailers from us)
    if (wire_.size() < eol + 2 + size + 2) return true;
    const std::string piece = wire_.substr(eol + 2, size);
    if (wire_.compare(eol + 2 + size, 2, "\r\n") != 0) throw std::runtime_error("bad chunk");
    body_ += piece;
    raw_ += piece;
    wire_.erase(0, eol + 2 + size + 2);
  }
}

bool sse_client::fill(std::chrono::steady_clock::time_point deadline) {
  if (ended_) return false;
  const std::size_t before = body_.size();
  if (!decode_chunks()) {
    ended_ = true;
    return false;
  }
  if (body_.size() != before) return true;  // bytes already read: parse them first
  bool eof = false;
  std::string more;
  if (!sock_.try_read_some(more, deadline, eof)) {
    throw std::runtime_error("sse: timeout waiting for a record");
  }
  wire_ += more;
  if (eof) {
    decode_chunks();
    ended_ = true;
    return false;
  }
  if (!decode_chunks()) ended_ = true;
  return true;
}

std::optional<sse_record> sse_client::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto end = body_.find("\n\n");
    if (end != std::string::npos) {
      const std::string block = body_.substr(0, end);
      body_.erase(0, end + 2);
      sse_record r;
      bool has_data = false;
      std::size_t start = 0;
      while (start <= block.size()) {
        auto nl = block.find('\n', start);
        if (nl == std::string::npos) nl = block.size();
        const std::string line = block.substr(start, nl - start);
        start = nl + 1;
        if (!line.empty() && line[0] == ':') {
          r.comment += line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1);
          continue;
        }
        const auto colon = line.find(':');
        const std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "id") r.id = value;
        if (field == "event") r.event = value;
        if (field == "data") {
          if (has_data) r.data += '\n';
          r.data += value;
          has_data = true;
        }
      }
      return r;
    }
    if (ended_) return std::nullopt;
    if (!fill(deadline) && ended_ && body_.find("\n\n") == std::string::npos) return std::nullopt;
  }
}

std::optional<sse_record> sse_client::next_event(std::chrono::milliseconds timeout) {
  for (;;) {
    auto r = next(timeout);
    if (!r || !r->is_comment()) return r;
  }
}

}  // namespace sensorhub::e2e

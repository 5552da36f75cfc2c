// SPDX-License-Identifier: MIT
#pragma once
// The HTTP/1.1 request reader of a connection (SPEC §9), over nodejs'
// http-parser (Debian libhttp-parser-dev).

#include <cstddef>
#include <cstdint>
#include <string>

#include <http_parser.h>

#include "sensorhub/transports/http.hpp"

namespace sensorhub::ws_detail {

// Reads the requests of one connection, one at a time, from whatever pieces
// the socket delivers; it stops where the caller must act. Every request
// stops at head_ready (decide before any byte of the body is read; also for
// requests without a body), then, after continue_body(), at message_done
// (answer it, then next()); or at upgrade (a WebSocket handshake: the rest is
// frames) or failed (answer error_status() and close). Refused, besides what
// http-parser refuses: Content-Length with Transfer-Encoding, two
// Content-Length or Host headers, a coding other than chunked, obsolete line
// folding, a header name that is not a token, a CR without LF in the head or
// in chunk framing (Debian builds http-parser with HTTP_PARSER_STRICT=0,
// which takes any byte after a CR and a space in a header name), and more
// than max_header_bytes of chunk framing (sizes, extensions, trailers)
// between two data bytes. Holds no buffer of its own, only the current
// request. Not thread-safe (one connection, one thread at a time);
// copyable and movable.
class http1_parser {
 public:
  enum class state { need_more, head_ready, message_done, upgrade, failed };
  struct step {
    state st;
    std::size_t consumed;
  };

  explicit http1_parser(std::size_t max_header_bytes);

  // Consumes bytes up to the next point where the caller must act;
  // `consumed` <= len. head_ready may leave the head's last byte unconsumed:
  // feed the rest after continue_body(). Called again in a state that waits
  // for the caller (head_ready before continue_body, message_done before
  // next(), upgrade, failed) it returns that state and consumes nothing.
  step feed(const char* data, std::size_t len);
  // After head_ready: read a body of at most max_body bytes (decoded); a
  // larger declared Content-Length fails (413) right here, see failed().
  void continue_body(std::size_t max_body);

  http_request& request() { return request_; }
  bool keep_alive() const;
  bool expects_continue() const;
  bool has_body() const { return chunked_ || content_length_ > 0; }
  bool chunked() const { return chunked_; }
  std::uint64_t content_length() const { return content_length_; }
  bool failed() const { return phase_ == phase::failed; }
  int error_status() const { return error_status_; }
  const std::string& error_detail() const { return error_detail_; }
  // Resets for the next request on this connection (request().remote_address
  // is kept).
  void next();

 private:
  enum class phase : std::uint8_t { head, head_ready, body, done, failed };
  friend struct http1_callbacks;

  int fail(int status, std::string detail);
  int on_url(const char* at, std::size_t len);
  int on_header_field(const char* at, std::size_t len);
  int on_header_value(const char* at, std::size_t len);
  int on_headers_complete();
  int on_body(const char* at, std::size_t len);
  int on_chunk_header();
  int on_message_complete();
  bool over_head_limit(const char* end) const;
  bool scan_framing(const char* begin, const char* end);
  bool check_chunk_framing(const char* end);
  bool commit_header();
  int check_head();
  void split_target();
  step after_execute(std::size_t n, bool in_head);

  http_parser parser_{};
  http_request request_;
  std::string field_;  // header being read: name, raw value
  std::string value_;
  std::string error_detail_;
  const char* exec_begin_ = nullptr;  // the bytes of the running feed()
  const char* exec_end_ = nullptr;
  const char* scan_from_ = nullptr;  // chunked: framing bytes not yet checked
  std::size_t max_header_bytes_;
  std::size_t head_bytes_ = 0;   // bytes of the head fed before this feed()
  std::size_t framing_run_ = 0;  // chunked: framing bytes since the last data byte
  std::size_t max_body_ = 0;
  std::uint64_t content_length_ = 0;
  int error_status_ = 0;
  phase phase_ = phase::head;
  bool chunked_ = false;
  bool upgrade_ = false;
  bool in_value_ = false;     // the last header callback was a value
  bool value_ended_ = false;  // ... and that value's line ended (obs-fold test)
  bool pending_cr_ = false;   // the last framing byte was a CR: LF must follow
  bool expect_cr_ = false;    // a chunk's data ended: CR LF must follow
};

}  // namespace sensorhub::ws_detail

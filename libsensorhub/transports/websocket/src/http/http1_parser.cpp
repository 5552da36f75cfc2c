// SPDX-License-Identifier: MIT
#include "http/http1_parser.hpp"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <utility>

namespace sensorhub::ws_detail {

namespace {

constexpr std::size_t reserve_cap = 64u << 10;  // a declared length reserves at most this

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  const auto ws = [](char c) { return c == ' ' || c == '\t'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

// Whether the comma-separated list (lower case) holds this token.
bool has_token(std::string_view list, std::string_view token) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    if (trim(list.substr(0, comma)) == token) return true;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  return false;
}

// RFC 9110 5.6.2 tchar.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0) continue;
    if (u >= 0x80 || std::string_view("!#$%&'*+-.^_`|~").find(c) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// A Content-Length value: digits only, no overflow.
bool parse_length(std::string_view s, std::uint64_t& out) {
  if (s.empty() || s.size() > 18) return false;
  out = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return true;
}

}  // namespace

// http-parser's C callbacks, forwarding to the parser object in p->data.
struct http1_callbacks {
  static http1_parser& self(http_parser* p) { return *static_cast<http1_parser*>(p->data); }
  static int url(http_parser* p, const char* at, std::size_t n) { return self(p).on_url(at, n); }
  static int field(http_parser* p, const char* at, std::size_t n) {
    return self(p).on_header_field(at, n);
  }
  static int value(http_parser* p, const char* at, std::size_t n) {
    return self(p).on_header_value(at, n);
  }
  static int headers_complete(http_parser* p) { return self(p).on_headers_complete(); }
  static int body(http_parser* p, const char* at, std::size_t n) { return self(p).on_body(at, n); }
  static int chunk_header(http_parser* p) { return self(p).on_chunk_header(); }
  static int message_complete(http_parser* p) { return self(p).on_message_complete(); }

  static const http_parser_settings& settings() {
    static const http_parser_settings table = [] {
      http_parser_settings s{};
      http_parser_settings_init(&s);
      s.on_url = &url;
      s.on_header_field = &field;
      s.on_header_value = &value;
      s.on_headers_complete = &headers_complete;
      s.on_body = &body;
      s.on_chunk_header = &chunk_header;
      s.on_message_complete = &message_complete;
      return s;
    }();
    return table;
  }
};

http1_parser::http1_parser(std::size_t max_header_bytes) : max_header_bytes_(max_header_bytes) {
  http_parser_init(&parser_, HTTP_REQUEST);
}

http1_parser::step http1_parser::feed(const char* data, std::size_t len) {
  switch (phase_) {
    case phase::failed:
      return {state::failed, 0};
    case phase::head_ready:
      return {state::head_ready, 0};
    case phase::done:
      return {upgrade_ ? state::upgrade : state::message_done, 0};
    default:
      break;
  }
  if (len == 0) return {state::need_more, 0};  // execute() takes len 0 for EOF
  const bool in_head = phase_ == phase::head;
  parser_.data = this;
  exec_begin_ = data;
  exec_end_ = data + len;
  scan_from_ = data;
  const std::size_t n =
      std::min(http_parser_execute(&parser_, &http1_callbacks::settings(), data, len), len);
  const auto err = static_cast<::http_errno>(parser_.http_errno);
  if (err == HPE_PAUSED) {
    http_parser_pause(&parser_, 0);  // paused by us at a stop; resume on the next feed
  } else if (err != HPE_OK && phase_ != phase::failed) {
    if (err == HPE_HEADER_OVERFLOW) {
      fail(431, "request headers too large");
    } else {
      fail(err == HPE_INVALID_TRANSFER_ENCODING ? 501 : 400,
           std::string("malformed request: ") + http_errno_description(err));
    }
  }
  return after_execute(n, in_head);
}

http1_parser::step http1_parser::after_execute(std::size_t n, bool in_head) {
  if (phase_ == phase::failed) return {state::failed, n};
  if (in_head) {
    // head_ready stops before the head's last byte: the parser resumes on it.
    const std::size_t head = n + (phase_ == phase::head_ready ? 1 : 0);
    head_bytes_ += head;
    if (!scan_framing(exec_begin_, exec_begin_ + head)) {
      fail(400, "malformed request: CR without LF");
    } else if (head_bytes_ > max_header_bytes_) {
      fail(431, "request headers too large");
    }
  } else if (chunked_) {
    check_chunk_framing(exec_begin_ + n);
  }
  switch (phase_) {
    case phase::failed:
      return {state::failed, n};
    case phase::head_ready:
      return {state::head_ready, n};
    case phase::done:
      return {upgrade_ ? state::upgrade : state::message_done, n};
    default:
      return {state::need_more, n};
  }
}

void http1_parser::continue_body(std::size_t max_body) {
  if (phase_ != phase::head_ready) return;
  max_body_ = max_body;
  if (!chunked_ && content_length_ > max_body) {
    fail(413, "request body too large");
    return;
  }
  phase_ = phase::body;
  if (!chunked_) {
    request_.body.reserve(
        static_cast<std::size_t>(std::min<std::uint64_t>(content_length_, reserve_cap)));
  }
}

bool http1_parser::keep_alive() const {
  if (phase_ == phase::failed) return false;
  const std::string connection = lower_ascii(request_.header("connection"));
  if (request_.version_minor == 0) return has_token(connection, "keep-alive");
  return !has_token(connection, "close");
}

bool http1_parser::expects_continue() const {
  // HTTP/1.0 clients cannot expect it (RFC 9110 10.1.1).
  return request_.version_minor >= 1 &&
         lower_ascii(trim(request_.header("expect"))) == "100-continue";
}

void http1_parser::next() {
  std::string address = std::move(request_.remote_address);
  request_ = http_request{};
  request_.remote_address = std::move(address);
  field_ = std::string();
  value_ = std::string();
  error_detail_ = std::string();
  head_bytes_ = framing_run_ = max_body_ = 0;
  content_length_ = 0;
  error_status_ = 0;
  phase_ = phase::head;
  chunked_ = upgrade_ = in_value_ = value_ended_ = false;
  pending_cr_ = expect_cr_ = false;
  http_parser_init(&parser_, HTTP_REQUEST);
}

int http1_parser::fail(int status, std::string detail) {
  if (phase_ != phase::failed) {
    phase_ = phase::failed;
    error_status_ = status;
    error_detail_ = std::move(detail);
  }
  return -1;  // any value but 0, 1 and 2 stops http-parser with an error
}

bool http1_parser::scan_framing(const char* begin, const char* end) {
  for (const char* p = begin; p < end; ++p) {
    if (expect_cr_ && *p != '\r') return false;
    expect_cr_ = false;
    if (pending_cr_ && *p != '\n') return false;
    pending_cr_ = *p == '\r';
  }
  return true;
}

// A chunked body's bytes from scan_from_ to end that are not data: sizes,
// extensions, CRLFs, trailer fields. http-parser does not bound them.
bool http1_parser::check_chunk_framing(const char* end) {
  framing_run_ += static_cast<std::size_t>(end - scan_from_);
  if (framing_run_ > max_header_bytes_) {
    return fail(400, "chunk framing or trailer fields too long"), false;
  }
  if (!scan_framing(scan_from_, end))
    return fail(400, "malformed request: bad chunk framing"), false;
  scan_from_ = end;
  return true;
}

bool http1_parser::over_head_limit(const char* end) const {
  return head_bytes_ + static_cast<std::size_t>(end - exec_begin_) > max_header_bytes_;
}

int http1_parser::on_url(const char* at, std::size_t len) {
  if (over_head_limit(at + len)) return fail(431, "request line too long");
  request_.path.append(at, len);  // the whole target for now, see split_target()
  return 0;
}

int http1_parser::on_header_field(const char* at, std::size_t len) {
  if (phase_ == phase::body) return 0;  // a trailer field (bounded as chunk framing): ignored
  if (over_head_limit(at + len)) return fail(431, "request headers too large");
  if (in_value_) {
    if (!commit_header()) return -1;
    in_value_ = false;
  }
  field_.append(at, len);
  return 0;
}

int http1_parser::on_header_value(const char* at, std::size_t len) {
  if (phase_ == phase::body) return 0;
  if (over_head_limit(at + len)) return fail(431, "request headers too large");
  // A value continued after its line ended is obsolete line folding.
  if (in_value_ && value_ended_) return fail(400, "folded header lines are not accepted");
  in_value_ = true;
  value_.append(at, len);
  value_ended_ = at + len != exec_end_;  // a piece cut by the end of the input goes on
  return 0;
}

bool http1_parser::commit_header() {
  if (!is_token(field_)) return fail(400, "malformed request: invalid header name"), false;
  std::string name = lower_ascii(field_);
  std::string value(trim(value_));
  field_.clear();
  value_.clear();
  auto [it, inserted] = request_.headers.emplace(std::move(name), value);
  if (inserted) return true;
  if (it->first == "content-length") return fail(400, "two Content-Length headers"), false;
  if (it->first == "host") return fail(400, "two Host headers"), false;
  it->second += it->first == "cookie" ? "; " : ", ";
  it->second += value;
  return true;
}

int http1_parser::on_headers_complete() {
  if (in_value_ && !commit_header()) return -1;
  in_value_ = false;
  return check_head();
}

int http1_parser::check_head() {
  if (parser_.http_major != 1 || parser_.http_minor > 1) {
    return fail(505, "HTTP version not supported (HTTP/1.1 and HTTP/1.0 are)");
  }
  request_.version_minor = parser_.http_minor;
  const auto method = static_cast<::http_method>(parser_.method);
  if (method == HTTP_CONNECT) return fail(501, "CONNECT is not supported");
  request_.head = method == HTTP_HEAD;
  request_.method = request_.head ? "GET" : http_method_str(method);
  split_target();

  const auto& headers = request_.headers;
  const auto te = headers.find("transfer-encoding");
  const auto cl = headers.find("content-length");
  if (te != headers.end() && cl != headers.end()) {
    return fail(400, "Content-Length together with Transfer-Encoding");
  }
  if (te != headers.end()) {
    if (request_.version_minor == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    if (lower_ascii(te->second) != "chunked") {
      return fail(501, "only the chunked transfer coding is supported");
    }
    chunked_ = true;
  }
  if (cl != headers.end() && !parse_length(cl->second, content_length_)) {
    return fail(400, "invalid Content-Length");
  }
  // http-parser flags Upgrade + Connection: upgrade; only WebSocket is taken.
  if (parser_.upgrade && request_.version_minor == 1 &&
      has_token(lower_ascii(request_.header("upgrade")), "websocket")) {
    upgrade_ = true;
    return 2;  // no body: the bytes after the head are WebSocket frames
  }
  parser_.upgrade = 0;  // any other Upgrade is ignored (RFC 9110 7.8)
  phase_ = phase::head_ready;
  http_parser_pause(&parser_, 1);
  return 0;
}

void http1_parser::split_target() {
  std::string target = std::move(request_.path);
  // absolute-form (http://host/path) -> path
  const std::string scheme = lower_ascii(std::string_view(target).substr(0, 8));
  if (scheme.rfind("http://", 0) == 0 || scheme.rfind("https://", 0) == 0) {
    const auto slash = target.find('/', target.find("//") + 2);
    target = slash == std::string::npos ? "/" : target.substr(slash);
  }
  const auto hash = target.find('#');
  if (hash != std::string::npos) target.resize(hash);
  const auto q = target.find('?');
  if (q != std::string::npos) {
    request_.query = target.substr(q + 1);
    target.resize(q);
  }
  request_.path = std::move(target);
}

int http1_parser::on_body(const char* at, std::size_t len) {
  if (chunked_) {
    if (!check_chunk_framing(at)) return -1;
    framing_run_ = 0;
    scan_from_ = at + len;
    expect_cr_ = parser_.content_length == 0;  // the chunk's data is complete
  }
  if (len > max_body_ - request_.body.size()) return fail(413, "request body too large");
  request_.body.append(at, len);
  return 0;
}

int http1_parser::on_chunk_header() {
  // The chunk's size is in content_length while this runs.
  if (parser_.content_length > max_body_ - request_.body.size()) {
    return fail(413, "request body too large");
  }
  return 0;
}

int http1_parser::on_message_complete() {
  phase_ = phase::done;
  http_parser_pause(&parser_, 1);  // stop at the message's end (pipelining)
  return 0;
}

}  // namespace sensorhub::ws_detail

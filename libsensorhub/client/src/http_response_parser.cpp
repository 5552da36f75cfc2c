// SPDX-License-Identifier: MIT
#include "http_response_parser.hpp"

#include <cctype>

namespace sensorhub::client::detail {

namespace {

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

// Digits only (base 10 or 16), no overflow past 2^40.
bool parse_size(const std::string& s, int base, std::size_t& out) {
  if (s.empty() || s.size() > 10) return false;
  std::size_t v = 0;
  for (char c : s) {
    int d = -1;
    if (c >= '0' && c <= '9')
      d = c - '0';
    else if (base == 16 && c >= 'a' && c <= 'f')
      d = c - 'a' + 10;
    else if (base == 16 && c >= 'A' && c <= 'F')
      d = c - 'A' + 10;
    if (d < 0) return false;
    v = v * static_cast<std::size_t>(base) + static_cast<std::size_t>(d);
  }
  out = v;
  return true;
}

}  // namespace

void http_response_parser::feed(const char* data, std::size_t n) { in_.append(data, n); }

bool http_response_parser::parse_head(std::string& error) {
  const auto end = in_.find("\r\n\r\n");
  if (end == std::string::npos) return false;
  head_done_ = true;
  body_at_ = end + 4;
  const std::string head = in_.substr(0, end);
  // "HTTP/1.1 200 OK": a status of 100..599 (RFC 9110 §15)
  if (head.size() < 12 || head.rfind("HTTP/1.", 0) != 0 || head[8] != ' ' || head[9] < '1' ||
      head[9] > '5' || !std::isdigit(static_cast<unsigned char>(head[10])) ||
      !std::isdigit(static_cast<unsigned char>(head[11]))) {
    error = "not an HTTP/1.x response: " + head.substr(0, head.find("\r\n")).substr(0, 80);
    return true;
  }
  status_ = (head[9] - '0') * 100 + (head[10] - '0') * 10 + (head[11] - '0');
  framing_ = framing::close;
  std::size_t pos = head.find("\r\n");
  while (pos != std::string::npos) {
    const std::size_t start = pos + 2;
    pos = head.find("\r\n", start);
    const std::string line = head.substr(start, pos == std::string::npos ? pos : pos - start);
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string name = lower(trim(line.substr(0, colon)));
    const std::string value = lower(trim(line.substr(colon + 1)));
    if (name == "transfer-encoding") {
      if (value != "chunked") {
        error = "unsupported Transfer-Encoding '" + value + "'";
        return true;
      }
      framing_ = framing::chunked;
    } else if (name == "content-length" && framing_ != framing::chunked) {
      if (!parse_size(value, 10, length_)) {
        error = "bad Content-Length '" + value + "'";
        return true;
      }
      framing_ = framing::length;
    }
  }
  if (status_ == 204 || status_ == 304) {
    framing_ = framing::length;
    length_ = 0;
  }
  return true;
}

bool http_response_parser::dechunk(std::string& body, std::string& error) const {
  body.clear();
  std::size_t pos = body_at_;
  for (;;) {
    const auto eol = in_.find("\r\n", pos);
    if (eol == std::string::npos) return false;
    std::string size_text = in_.substr(pos, eol - pos);
    size_text = trim(size_text.substr(0, size_text.find(';')));  // chunk extensions
    std::size_t n = 0;
    if (!parse_size(size_text, 16, n)) {
      error = "bad chunk size '" + size_text.substr(0, 20) + "'";
      return false;
    }
    if (n == 0) return in_.find("\r\n\r\n", eol) != std::string::npos;  // trailers ignored
    if (in_.size() < eol + 2 + n + 2) return false;
    if (in_.compare(eol + 2 + n, 2, "\r\n") != 0) {
      error = "a chunk does not end with CRLF";
      return false;
    }
    body.append(in_, eol + 2, n);
    pos = eol + 2 + n + 2;
  }
}

bool http_response_parser::complete() {
  if (!head_done_ && !parse_head(head_error_)) return false;
  if (!head_error_.empty()) return true;
  switch (framing_) {
    case framing::length:
      return in_.size() >= body_at_ + length_;
    case framing::chunked: {
      std::string body, error;
      return dechunk(body, error) || !error.empty();
    }
    default:
      return false;
  }
}

std::optional<http_response_parser::result> http_response_parser::finish(std::string& error) {
  if (!head_done_ && !parse_head(head_error_)) {
    error = in_.empty() ? "the connection closed without a response"
                        : "the connection closed inside the response head";
    return std::nullopt;
  }
  if (!head_error_.empty()) {
    error = head_error_;
    return std::nullopt;
  }
  result r;
  r.status = status_;
  switch (framing_) {
    case framing::length:
      if (in_.size() < body_at_ + length_) {
        error = "the connection closed after " + std::to_string(in_.size() - body_at_) + " of " +
                std::to_string(length_) + " body bytes";
        return std::nullopt;
      }
      r.body = in_.substr(body_at_, length_);
      break;
    case framing::chunked:
      if (!dechunk(r.body, error)) {
        if (error.empty()) error = "the connection closed inside the chunked body";
        return std::nullopt;
      }
      break;
    default:
      r.body = in_.substr(body_at_);
  }
  return r;
}

}  // namespace sensorhub::client::detail

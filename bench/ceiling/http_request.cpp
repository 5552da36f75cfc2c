// SPDX-License-Identifier: MIT
#include "ceiling/http_request.hpp"

#include <cctype>

namespace ceiling {

namespace {

constexpr std::size_t max_head = 16 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

bool icontains(std::string_view haystack, std::string_view needle) {
  for (std::size_t i = 0; i + needle.size() <= haystack.size(); ++i) {
    if (iequals(haystack.substr(i, needle.size()), needle)) return true;
  }
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_request_line(std::string_view line, http_request& out) {
  const auto sp1 = line.find(' ');
  const auto sp2 = line.rfind(' ');
  if (sp1 == std::string_view::npos || sp2 == sp1) return false;
  out.method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (version.rfind("HTTP/1.", 0) != 0) return false;
  out.keep_alive = version != "HTTP/1.0";
  const auto q = target.find('?');
  out.path = target.substr(0, q);
  out.query = q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
  return true;
}

bool parse_header(std::string_view line, http_request& out) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trim(line.substr(colon + 1));
  if (iequals(name, "content-length")) {
    std::size_t n = 0;
    for (const char c : value) {
      if (c < '0' || c > '9' || n > (1u << 30)) return false;
      n = n * 10 + static_cast<std::size_t>(c - '0');
    }
    out.content_length = n;
  } else if (iequals(name, "connection")) {
    if (icontains(value, "close")) out.keep_alive = false;
    if (icontains(value, "keep-alive")) out.keep_alive = true;
  } else if (iequals(name, "upgrade")) {
    out.upgrade = iequals(value, "websocket");
  } else if (iequals(name, "sec-websocket-key")) {
    out.ws_key = value;
  } else if (iequals(name, "transfer-encoding")) {
    out.chunked = true;
  }
  return true;
}

}  // namespace

parse_status parse_request_head(std::string_view in, http_request& out) {
  const auto end = in.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    return in.size() > max_head ? parse_status::bad : parse_status::incomplete;
  }
  out = http_request{};
  out.head_size = end + 4;
  std::string_view rest = in.substr(0, end + 2);
  bool first = true;
  while (!rest.empty()) {
    const auto eol = rest.find("\r\n");
    const std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    const bool ok = first ? parse_request_line(line, out) : parse_header(line, out);
    if (!ok) return parse_status::bad;
    first = false;
  }
  return parse_status::complete;
}

}  // namespace ceiling

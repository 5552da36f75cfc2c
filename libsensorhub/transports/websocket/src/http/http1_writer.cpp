// SPDX-License-Identifier: MIT
#include "http/http1_writer.hpp"

#include <cctype>
#include <cstdio>

#include <http_parser.h>

namespace sensorhub::ws_detail {

namespace {

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

// A header of r.headers that this writer writes itself.
bool owned_header(std::string_view name, bool writes_type) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
         iequals(name, "connection") || (writes_type && iequals(name, "content-type"));
}

void add_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// Status line, r.headers, then Content-Type when writes_type.
void start_response(std::string& out, const http_response& r, int version_minor, bool writes_type) {
  // http-parser's table has the standard reason phrases.
  const bool known = r.status >= 100 && r.status <= 599;
  const char* reason = known ? http_status_str(static_cast<::http_status>(r.status)) : "<unknown>";
  if (reason[0] == '<') reason = "Unknown";
  out.append(version_minor == 0 ? "HTTP/1.0 " : "HTTP/1.1 ")
      .append(std::to_string(r.status))
      .append(" ")
      .append(reason)
      .append("\r\n");
  for (const auto& [name, value] : r.headers) {
    if (!owned_header(name, writes_type)) add_header(out, name, value);
  }
  if (writes_type) add_header(out, "Content-Type", r.content_type);
}

void add_connection(std::string& out, int version_minor, bool keep_alive) {
  if (!keep_alive) {
    add_header(out, "Connection", "close");
  } else if (version_minor == 0) {
    add_header(out, "Connection", "keep-alive");
  }
}

}  // namespace

std::string write_http1_response(const http_response& r, int version_minor, bool keep_alive,
                                 bool head_only) {
  const bool no_body = r.status < 200 || r.status == 204 || r.status == 304;
  const bool has_body = !no_body && !r.body.empty();
  std::string out;
  out.reserve(128 + r.headers.size() * 48 + (head_only ? 0 : r.body.size()));
  start_response(out, r, version_minor, has_body && !r.content_type.empty());
  if (!no_body) add_header(out, "Content-Length", std::to_string(r.body.size()));
  add_connection(out, version_minor, keep_alive);
  out.append("\r\n");
  if (has_body && !head_only) out.append(r.body);
  return out;
}

const std::string& http1_continue() {
  static const std::string text = "HTTP/1.1 100 Continue\r\n\r\n";
  return text;
}

std::string write_http1_stream_head(const http_response& r, int version_minor, bool keep_alive) {
  std::string out;
  start_response(out, r, version_minor, !r.content_type.empty());
  if (version_minor == 0) {
    add_header(out, "Connection", "close");  // the end of the stream is the end of the connection
    out.append("\r\n").append(r.body);
    return out;
  }
  add_header(out, "Transfer-Encoding", "chunked");
  add_connection(out, version_minor, keep_alive);
  out.append("\r\n").append(http1_chunk(r.body));
  return out;
}

std::string http1_chunk(std::string_view data) {
  if (data.empty()) return {};
  char size[20];
  const int n = std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  std::string out;
  out.reserve(static_cast<std::size_t>(n) + data.size() + 2);
  out.append(size, static_cast<std::size_t>(n)).append(data).append("\r\n");
  return out;
}

const std::string& http1_last_chunk() {
  static const std::string text = "0\r\n\r\n";
  return text;
}

}  // namespace sensorhub::ws_detail

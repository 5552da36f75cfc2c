// SPDX-License-Identifier: MIT
#include "http_client.hpp"

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace sensorhub::testing {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

// Ensures buffer holds at least n bytes; returns false on EOF first.
bool fill(tcp_socket& sock, std::string& buffer, std::size_t n, clock::time_point deadline) {
  while (buffer.size() < n) {
    if (!sock.read_some(buffer, deadline)) return false;
  }
  return true;
}

// Returns the position of "\r\n" at or after `from`, reading more as needed.
std::size_t find_crlf(tcp_socket& sock, std::string& buffer, std::size_t from,
                      clock::time_point deadline) {
  for (;;) {
    const auto pos = buffer.find("\r\n", from);
    if (pos != std::string::npos) return pos;
    if (!sock.read_some(buffer, deadline)) throw std::runtime_error("EOF inside chunked body");
  }
}

}  // namespace

std::string http_response::header(const std::string& lower_name) const {
  const auto it = headers.find(lower_name);
  return it == headers.end() ? std::string() : it->second;
}

http_response read_http_response(tcp_socket& sock, std::string& buffer, bool head_only,
                                 std::chrono::milliseconds timeout) {
  const auto deadline = clock::now() + timeout;
  std::size_t head_end = std::string::npos;
  while ((head_end = buffer.find("\r\n\r\n")) == std::string::npos) {
    if (!sock.read_some(buffer, deadline)) {
      throw std::runtime_error("connection closed before a complete response head (got " +
                               std::to_string(buffer.size()) + " bytes: '" + buffer.substr(0, 200) +
                               "')");
    }
  }
  http_response r;
  const std::string head = buffer.substr(0, head_end);
  buffer.erase(0, head_end + 4);

  std::size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (status_line.compare(0, 5, "HTTP/") != 0) {
    throw std::runtime_error("bad status line: " + status_line);
  }
  const auto sp1 = status_line.find(' ');
  if (sp1 == std::string::npos) throw std::runtime_error("bad status line: " + status_line);
  const auto sp2 = status_line.find(' ', sp1 + 1);
  r.status = std::stoi(
      status_line.substr(sp1 + 1, sp2 == std::string::npos ? std::string::npos : sp2 - sp1 - 1));
  if (sp2 != std::string::npos) r.reason = status_line.substr(sp2 + 1);
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line =
        head.substr(start, line_end == std::string::npos ? std::string::npos : line_end - start);
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    r.headers[lower(trim(line.substr(0, colon)))] = trim(line.substr(colon + 1));
  }
  if (head_only) return r;

  const std::string te = lower(r.header("transfer-encoding"));
  const std::string cl = r.header("content-length");
  if (te.find("chunked") != std::string::npos) {
    std::size_t pos = 0;
    for (;;) {
      const std::size_t eol = find_crlf(sock, buffer, pos, deadline);
      const std::size_t size = std::stoul(buffer.substr(pos, eol - pos), nullptr, 16);
      pos = eol + 2;
      if (size == 0) {
        // Trailers end with an empty line.
        for (;;) {
          const std::size_t e = find_crlf(sock, buffer, pos, deadline);
          const bool empty = e == pos;
          pos = e + 2;
          if (empty) break;
        }
        break;
      }
      if (!fill(sock, buffer, pos + size + 2, deadline)) throw std::runtime_error("EOF in chunk");
      r.body.append(buffer, pos, size);
      pos += size + 2;
    }
    buffer.erase(0, pos);
  } else if (!cl.empty()) {
    const std::size_t n = std::stoul(cl);
    if (!fill(sock, buffer, n, deadline)) {
      throw std::runtime_error("EOF before Content-Length bytes (" + std::to_string(buffer.size()) +
                               " of " + cl + ")");
    }
    r.body = buffer.substr(0, n);
    buffer.erase(0, n);
  } else if (r.status == 204 || r.status == 304 || r.status / 100 == 1) {
    // no body
  } else {
    while (sock.read_some(buffer, deadline)) {
    }
    r.body = std::move(buffer);
    buffer.clear();
  }
  return r;
}

std::string http_client::authority() const {
  const bool v6 = host_.find(':') != std::string::npos;
  return (v6 ? "[" + host_ + "]" : host_) + ":" + std::to_string(port_);
}

http_response http_client::request(const std::string& method, const std::string& path,
                                   const std::optional<std::string>& body,
                                   const header_list& headers) const {
  std::string req =
      method + " " + path + " HTTP/1.1\r\nHost: " + authority() + "\r\nConnection: close\r\n";
  bool has_type = false;
  for (const auto& [name, value] : headers) {
    if (lower(name) == "content-type") has_type = true;
    req += name + ": " + value + "\r\n";
  }
  if (body) {
    if (!has_type) req += "Content-Type: application/json\r\n";
    req += "Content-Length: " + std::to_string(body->size()) + "\r\n";
  }
  req += "\r\n";
  if (body) req += *body;
  if (method == "HEAD") {
    // The response to HEAD has headers only, whatever Content-Length says.
    tcp_socket sock = tcp_socket::connect(host_, port_, default_timeout, source_);
    sock.send_all(req);
    std::string buffer;
    return read_http_response(sock, buffer, true);
  }
  return raw(req, body && body->size() > 256 * 1024);
}

http_response http_client::raw(std::string_view bytes, bool stop_when_answered) const {
  tcp_socket sock = tcp_socket::connect(host_, port_, default_timeout, source_);
  if (stop_when_answered) {
    sock.send_until_readable(bytes);
  } else {
    sock.send_all(bytes);
  }
  std::string buffer;
  return read_http_response(sock, buffer, false);
}

}  // namespace sensorhub::testing

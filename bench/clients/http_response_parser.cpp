// SPDX-License-Identifier: MIT
#include "clients/http_response_parser.hpp"

#include <cctype>
#include <charconv>

namespace bench {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The value of header `name` ("\r\nname:") in the lowercased head, trimmed.
std::string_view header_value(const std::string& head, std::string_view name) {
  const std::string key = "\r\n" + std::string(name) + ":";
  const auto at = head.find(key);
  if (at == std::string::npos) return {};
  auto first = at + key.size();
  const auto end = head.find("\r\n", first);
  while (first < end && head[first] == ' ') ++first;
  auto last = end;
  while (last > first && head[last - 1] == ' ') --last;
  return std::string_view(head).substr(first, last - first);
}

// Decodes a chunked body starting at `from`; incomplete/invalid as usual.
parse_state read_chunked(std::string_view data, std::size_t from, parsed_response& out,
                         std::string& error) {
  std::size_t pos = from;
  std::string body;
  for (;;) {
    const auto line_end = data.find("\r\n", pos);
    if (line_end == std::string_view::npos) return parse_state::incomplete;
    std::size_t size = 0;
    const auto [ptr, ec] = std::from_chars(data.data() + pos, data.data() + line_end, size, 16);
    if (ec != std::errc() || ptr == data.data() + pos) {
      error = "bad chunk size";
      return parse_state::invalid;
    }
    pos = line_end + 2;
    if (size == 0) {
      const auto trailer_end = data.find("\r\n", pos);  // no trailers expected
      if (trailer_end == std::string_view::npos) return parse_state::incomplete;
      out.body = std::move(body);
      out.consumed = trailer_end + 2;
      return parse_state::complete;
    }
    if (data.size() - pos < size + 2) return parse_state::incomplete;
    body.append(data.substr(pos, size));
    pos += size + 2;
  }
}

}  // namespace

parse_state parse_http_response(std::string_view data, bool at_eof, parsed_response& out,
                                std::string& error) {
  const auto head_end = data.find("\r\n\r\n");
  if (head_end == std::string_view::npos) {
    if (at_eof) error = "connection closed before the response head";
    return at_eof ? parse_state::invalid : parse_state::incomplete;
  }
  const std::string head = lower(data.substr(0, head_end + 2));
  if (head.compare(0, 7, "http/1.") != 0 || head.size() < 12) {
    error = "malformed status line";
    return parse_state::invalid;
  }
  std::from_chars(head.data() + 9, head.data() + 12, out.status);
  const bool http11 = head[7] == '1';
  const std::string_view connection = header_value(head, "connection");
  out.keep_alive = http11 && connection.find("close") == std::string_view::npos;
  const std::size_t body_start = head_end + 4;
  if (out.status == 204 || out.status == 304 || out.status / 100 == 1) {
    out.consumed = body_start;
    return parse_state::complete;
  }
  if (header_value(head, "transfer-encoding").find("chunked") != std::string_view::npos) {
    const parse_state s = read_chunked(data, body_start, out, error);
    if (s == parse_state::incomplete && at_eof) {
      error = "connection closed inside a chunked body";
      return parse_state::invalid;
    }
    return s;
  }
  const std::string_view cl = header_value(head, "content-length");
  if (!cl.empty()) {
    std::size_t length = 0;
    std::from_chars(cl.data(), cl.data() + cl.size(), length);
    if (data.size() - body_start < length) {
      if (at_eof) error = "connection closed inside the body";
      return at_eof ? parse_state::invalid : parse_state::incomplete;
    }
    out.body.assign(data.substr(body_start, length));
    out.consumed = body_start + length;
    return parse_state::complete;
  }
  if (!at_eof) return parse_state::incomplete;
  out.keep_alive = false;
  out.body.assign(data.substr(body_start));
  out.consumed = data.size();
  return parse_state::complete;
}

long long json_id_of(std::string_view body) {
  const auto at = body.find("\"id\":");
  if (at == std::string_view::npos) return 0;
  long long id = 0;
  std::from_chars(body.data() + at + 5, body.data() + body.size(), id);
  return id;
}

}  // namespace bench

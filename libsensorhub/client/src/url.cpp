// SPDX-License-Identifier: MIT
#include "url.hpp"

#include <cctype>
#include <stdexcept>

namespace sensorhub::client::detail {

namespace {

bool starts_with(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

ws_url parse_url(const std::string& url) {
  ws_url out;
  std::string rest;
  if (starts_with(url, "ws://")) {
    rest = url.substr(5);
  } else if (starts_with(url, "http://")) {
    rest = url.substr(7);
  } else if (starts_with(url, "wss://")) {
    rest = url.substr(6);
    out.tls = true;
  } else if (starts_with(url, "https://")) {
    rest = url.substr(8);
    out.tls = true;
  } else {
    throw std::invalid_argument("'" + url +
                                "': the URL must start with ws://, http://, wss:// or https://");
  }
  if (out.tls) out.port = 443;
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  out.path = slash == std::string::npos ? "" : rest.substr(slash);
  if (out.path.find_first_of("?#") != std::string::npos)
    throw std::invalid_argument("'" + url + "': no query or fragment in the URL (use the options)");
  if (out.path.empty() || out.path == "/") out.path = "/api/v1/ws";
  if (authority.empty()) throw std::invalid_argument("'" + url + "': no host");
  std::string port_text;
  if (authority.front() == '[') {  // [::1]:8000
    const auto close = authority.find(']');
    if (close == std::string::npos) throw std::invalid_argument("'" + url + "': bad IPv6 host");
    out.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') throw std::invalid_argument("'" + url + "': bad port");
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.rfind(':');
    out.host = authority.substr(0, colon);
    if (colon != std::string::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) throw std::invalid_argument("'" + url + "': no host");
  if (!port_text.empty()) {
    if (port_text.size() > 5) throw std::invalid_argument("'" + url + "': bad port");
    unsigned long p = 0;
    for (char c : port_text) {
      if (!std::isdigit(static_cast<unsigned char>(c)))
        throw std::invalid_argument("'" + url + "': bad port");
      p = p * 10 + static_cast<unsigned long>(c - '0');
    }
    if (p == 0 || p > 65535) throw std::invalid_argument("'" + url + "': bad port");
    out.port = static_cast<std::uint16_t>(p);
  }
  return out;
}

std::string percent_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ',') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

std::string build_query(const subscribe_query& q) {
  std::string out;
  auto add = [&out](const std::string& k, const std::string& v) {
    out += out.empty() ? '?' : '&';
    out += percent_encode(k) + "=" + percent_encode(v);
  };
  std::string channels;
  for (const auto& c : q.channels) channels += (channels.empty() ? "" : ",") + c;
  if (!channels.empty()) add("channel", channels);
  for (const auto& [k, v] : q.filters) add(k, v);
  if (q.since) add("since", std::to_string(*q.since));
  if (q.snapshot) add("snapshot", "true");
  if (q.conflate) add("conflate", "true");
  return out;
}

}  // namespace sensorhub::client::detail

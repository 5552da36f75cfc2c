// SPDX-License-Identifier: MIT
#include "clients/ws_wire.hpp"

#include <algorithm>
#include <cctype>

namespace bench {

namespace {

// RFC 6455 section 1.3's sample nonce and its accept value.
constexpr std::string_view fixed_key = "dGhlIHNhbXBsZSBub25jZQ==";
constexpr std::string_view fixed_accept = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
constexpr std::uint64_t max_payload = 64ull << 20;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::string make_upgrade_request(std::string_view host_header, std::string_view target) {
  std::string r;
  r.reserve(200 + target.size());
  r.append("GET ").append(target).append(" HTTP/1.1\r\nHost: ").append(host_header);
  r.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
  r.append(fixed_key).append("\r\nSec-WebSocket-Version: 13\r\n\r\n");
  return r;
}

handshake_result check_upgrade_response(std::string_view data) {
  handshake_result r;
  const auto end = data.find("\r\n\r\n");
  if (end == std::string_view::npos) {
    if (data.size() > 16384) {
      r.status = handshake_status::rejected;
      r.error = "response head over 16 KiB";
    }
    return r;
  }
  const std::string head = lower(data.substr(0, end + 2));
  const bool switched = head.compare(0, 13, "http/1.1 101 ") == 0;
  const auto accept = head.find("\r\nsec-websocket-accept:");
  bool accept_ok = false;
  if (accept != std::string::npos) {
    const auto value = data.substr(accept + 23, head.find("\r\n", accept + 2) - accept - 23);
    const auto first = value.find_first_not_of(' ');
    accept_ok =
        first != std::string_view::npos && value.substr(first, fixed_accept.size()) == fixed_accept;
  }
  if (switched && accept_ok) {
    r.status = handshake_status::ok;
    r.consumed = end + 4;
    return r;
  }
  r.status = handshake_status::rejected;
  const std::string_view status_line = data.substr(0, data.find("\r\n"));
  r.error = std::string(status_line);
  if (switched) r.error += " (bad Sec-WebSocket-Accept)";
  const std::string_view body = data.substr(end + 4, 200);
  if (!body.empty()) r.error.append(" ").append(body);
  return r;
}

std::size_t next_frame(std::string_view data, ws_frame& out) {
  if (data.size() < 2) return frame_incomplete;
  const auto b0 = static_cast<unsigned char>(data[0]);
  const auto b1 = static_cast<unsigned char>(data[1]);
  const unsigned op = b0 & 0x0fu;
  if ((b1 & 0x80u) != 0 || (op > 2 && op < 8) || op > 10) return frame_invalid;
  std::size_t header = 2;
  std::uint64_t length = b1 & 0x7fu;
  if (length == 126) {
    if (data.size() < 4) return frame_incomplete;
    length = (static_cast<std::uint64_t>(static_cast<unsigned char>(data[2])) << 8) |
             static_cast<unsigned char>(data[3]);
    header = 4;
  } else if (length == 127) {
    if (data.size() < 10) return frame_incomplete;
    length = 0;
    for (int i = 2; i < 10; ++i) length = (length << 8) | static_cast<unsigned char>(data[i]);
    header = 10;
  }
  if (length > max_payload) return frame_invalid;
  if (data.size() - header < length) return frame_incomplete;
  out.opcode = static_cast<ws_opcode>(op);
  out.fin = (b0 & 0x80u) != 0;
  out.payload = data.substr(header, static_cast<std::size_t>(length));
  return header + static_cast<std::size_t>(length);
}

std::string make_client_frame(ws_opcode opcode, std::string_view payload) {
  std::string f;
  f.reserve(payload.size() + 14);
  f.push_back(static_cast<char>(0x80u | static_cast<unsigned>(opcode)));
  const std::size_t n = std::min<std::size_t>(payload.size(), 125);  // control frames only
  f.push_back(static_cast<char>(0x80u | n));
  f.append(4, '\0');  // mask key 0: masking leaves the payload unchanged
  f.append(payload.substr(0, n));
  return f;
}

std::string close_payload(std::uint16_t code, std::string_view reason) {
  std::string p;
  p.push_back(static_cast<char>(code >> 8));
  p.push_back(static_cast<char>(code & 0xff));
  p.append(reason.substr(0, 123));
  return p;
}

}  // namespace bench

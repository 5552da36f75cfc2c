// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace bench {

// The bare minimum of RFC 6455 a receive-only bench client needs: the
// upgrade request with a fixed key, the check of the 101 answer, reading
// unmasked server frames out of a byte buffer, and masked control frames
// (pong, close). Pure functions, no state, thread-safe.

// GET target HTTP/1.1 with Upgrade: websocket and the RFC's sample key.
std::string make_upgrade_request(std::string_view host_header, std::string_view target);

enum class handshake_status { incomplete, ok, rejected };

struct handshake_result {
  handshake_status status = handshake_status::incomplete;
  std::size_t consumed = 0;  // bytes of the response head (ok only)
  std::string error;         // rejected: status line and a body excerpt
};

// Checks the response head at the start of `data`: "HTTP/1.1 101" and the
// Sec-WebSocket-Accept of the fixed key.
handshake_result check_upgrade_response(std::string_view data);

enum class ws_opcode : std::uint8_t {
  continuation = 0,
  text = 1,
  binary = 2,
  close = 8,
  ping = 9,
  pong = 10
};

struct ws_frame {
  ws_opcode opcode = ws_opcode::text;
  bool fin = true;
  std::string_view payload;  // points into the buffer given to next_frame
};

constexpr std::size_t frame_incomplete = 0;
constexpr std::size_t frame_invalid = static_cast<std::size_t>(-1);

// Reads one frame from the start of `data`: its total size, frame_incomplete
// when more bytes are needed, frame_invalid for a masked frame, a reserved
// opcode or a payload over 64 MiB.
std::size_t next_frame(std::string_view data, ws_frame& out);

// A masked client frame (mask key 0, so the payload is sent as is).
std::string make_client_frame(ws_opcode opcode, std::string_view payload);

// Close frame payload: the 2-byte code and the reason.
std::string close_payload(std::uint16_t code, std::string_view reason);

}  // namespace bench

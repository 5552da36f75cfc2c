// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace ceiling {

// RFC 6455 pieces the ceiling needs: the handshake key, unmasked server
// frames, and the head of a (masked) client frame. Free functions, no state.

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (SHA-1 + base64, OpenSSL).
std::string websocket_accept(std::string_view key);

// One unmasked, final server frame: opcode 0x1 text, 0x8 close, 0xA pong.
std::string server_frame(std::uint8_t opcode, std::string_view payload);

// A client frame found at the start of the input.
struct client_frame {
  std::uint8_t opcode = 0;
  std::size_t size = 0;  // header + payload bytes
  std::size_t header = 0;
  std::size_t payload = 0;
};

enum class frame_status { complete, incomplete, bad };

// Reads the frame head at the start of `in`; payloads over `max_payload`
// are bad. The payload stays masked (the ceiling only needs pings' bytes).
frame_status parse_client_frame(std::string_view in, std::size_t max_payload, client_frame& out);

// Unmasks `payload` of a frame whose header starts at `frame` in place.
void unmask(char* frame, const client_frame& f);

}  // namespace ceiling

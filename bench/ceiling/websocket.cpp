// SPDX-License-Identifier: MIT
#include "ceiling/websocket.hpp"

#include <openssl/evp.h>
#include <openssl/sha.h>

namespace ceiling {

std::string websocket_accept(std::string_view key) {
  std::string input(key);
  input += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  unsigned char out[4 * ((SHA_DIGEST_LENGTH + 2) / 3) + 1];
  const int n = EVP_EncodeBlock(out, digest, SHA_DIGEST_LENGTH);
  return std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
}

std::string server_frame(std::uint8_t opcode, std::string_view payload) {
  std::string f;
  f.reserve(payload.size() + 10);
  f.push_back(static_cast<char>(0x80 | opcode));
  const std::uint64_t n = payload.size();
  if (n < 126) {
    f.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    f.push_back(static_cast<char>(126));
    f.push_back(static_cast<char>(n >> 8));
    f.push_back(static_cast<char>(n & 0xFF));
  } else {
    f.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      f.push_back(static_cast<char>((n >> shift) & 0xFF));
    }
  }
  f.append(payload);
  return f;
}

frame_status parse_client_frame(std::string_view in, std::size_t max_payload, client_frame& out) {
  if (in.size() < 2) return frame_status::incomplete;
  const auto b0 = static_cast<unsigned char>(in[0]);
  const auto b1 = static_cast<unsigned char>(in[1]);
  if ((b1 & 0x80) == 0) return frame_status::bad;  // client frames are masked
  std::size_t header = 2;
  std::uint64_t len = b1 & 0x7F;
  if (len >= 126) {
    const std::size_t ext = len == 126 ? 2 : 8;
    if (in.size() < header + ext) return frame_status::incomplete;
    len = 0;
    for (std::size_t i = 0; i < ext; ++i) len = (len << 8) | static_cast<unsigned char>(in[2 + i]);
    header += ext;
  }
  header += 4;  // masking key
  if (len > max_payload) return frame_status::bad;
  out.opcode = b0 & 0x0F;
  out.header = header;
  out.payload = static_cast<std::size_t>(len);
  out.size = header + out.payload;
  return in.size() < out.size ? frame_status::incomplete : frame_status::complete;
}

void unmask(char* frame, const client_frame& f) {
  const char* key = frame + f.header - 4;
  char* p = frame + f.header;
  for (std::size_t i = 0; i < f.payload; ++i) p[i] = static_cast<char>(p[i] ^ key[i % 4]);
}

}  // namespace ceiling

// SPDX-License-Identifier: MIT
#include "ws_client.hpp"

#include <array>
#include <cstring>
#include <random>
#include <stdexcept>
#include <utility>

namespace sensorhub::testing {
namespace {

constexpr int op_continuation = 0x0;
constexpr int op_text = 0x1;
constexpr int op_binary = 0x2;
constexpr int op_close = 0x8;
constexpr int op_ping = 0x9;
constexpr int op_pong = 0xA;

std::mt19937& rng() {
  thread_local std::mt19937 gen{std::random_device{}()};
  return gen;
}

std::uint32_t rol(std::uint32_t v, int n) { return (v << n) | (v >> (32 - n)); }

}  // namespace

std::string base64_encode(std::string_view bytes) {
  static const char* const tbl = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  while (i + 2 < bytes.size()) {
    const std::uint32_t v =
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8) |
        static_cast<unsigned char>(bytes[i + 2]);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += tbl[v & 63];
    i += 3;
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 1) {
    const std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += "==";
  } else if (rest == 2) {
    const std::uint32_t v =
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16) |
        (static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8);
    out += tbl[(v >> 18) & 63];
    out += tbl[(v >> 12) & 63];
    out += tbl[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

std::string sha1_digest(std::string_view bytes) {
  std::uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
  std::string msg(bytes);
  const std::uint64_t bit_len = static_cast<std::uint64_t>(bytes.size()) * 8u;
  msg += static_cast<char>(0x80);
  while (msg.size() % 64 != 56) msg += '\0';
  for (int s = 56; s >= 0; s -= 8) msg += static_cast<char>((bit_len >> s) & 0xFFu);
  for (std::size_t off = 0; off < msg.size(); off += 64) {
    std::uint32_t w[80];
    for (int t = 0; t < 16; ++t) {
      const auto* p = reinterpret_cast<const unsigned char*>(msg.data() + off +
                                                             4 * static_cast<std::size_t>(t));
      w[t] = (static_cast<std::uint32_t>(p[0]) << 24) | (static_cast<std::uint32_t>(p[1]) << 16) |
             (static_cast<std::uint32_t>(p[2]) << 8) | p[3];
    }
    for (int t = 16; t < 80; ++t) w[t] = rol(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; ++t) {
      std::uint32_t f = 0;
      std::uint32_t k = 0;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999u;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1u;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDCu;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6u;
      }
      const std::uint32_t tmp = rol(a, 5) + f + e + k + w[t];
      e = d;
      d = c;
      c = rol(b, 30);
      b = a;
      a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  std::string out;
  for (std::uint32_t v : h) {
    for (int s = 24; s >= 0; s -= 8) out += static_cast<char>((v >> s) & 0xFFu);
  }
  return out;
}

ws_handshake ws_client::connect(const std::string& host, std::uint16_t port,
                                const std::string& target, const header_list& extra_headers,
                                const std::string& version) {
  return upgrade(tcp_socket::connect(host, port), http_client(host, port).authority(), target,
                 extra_headers, version);
}

ws_handshake ws_client::upgrade(tcp_socket sock, const std::string& authority,
                                const std::string& target, const header_list& extra_headers,
                                const std::string& version) {
  sock_ = std::move(sock);
  buffer_.clear();
  close_sent_ = close_received_ = eof_ = false;
  close_code_.reset();
  protocol_problem_.clear();

  std::string key_raw(16, '\0');
  for (auto& ch : key_raw) ch = static_cast<char>(rng()() & 0xFFu);
  const std::string key = base64_encode(key_raw);
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: " + authority +
                    "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: " + key +
                    "\r\nSec-WebSocket-Version: " + version + "\r\n";
  for (const auto& [name, value] : extra_headers) req += name + ": " + value + "\r\n";
  req += "\r\n";
  sock_.send_all(req);

  ws_handshake hs;
  hs.response = read_http_response(sock_, buffer_, true);
  if (hs.response.status != 101) {
    // Read the rejection body (Content-Length, or up to EOF).
    const std::string cl = hs.response.header("content-length");
    const auto deadline = clock::now() + default_timeout;
    if (!cl.empty()) {
      const std::size_t n = std::stoul(cl);
      while (buffer_.size() < n && sock_.read_some(buffer_, deadline)) {
      }
      hs.response.body = buffer_.substr(0, n);
    } else {
      bool eof = false;
      while (sock_.try_read_some(buffer_, deadline, eof) && !eof) {
      }
      hs.response.body = buffer_;
    }
    buffer_.clear();
    sock_.close();
    return hs;
  }
  const std::string expected =
      base64_encode(sha1_digest(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"));
  if (hs.response.header("sec-websocket-accept") != expected) {
    hs.problem = "bad Sec-WebSocket-Accept";
  }
  std::string upgrade = hs.response.header("upgrade");
  for (auto& ch : upgrade) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (upgrade != "websocket") hs.problem += " bad Upgrade header";
  hs.upgraded = hs.problem.empty();
  return hs;
}

void ws_client::send_frame(int opcode, std::string_view payload, bool fin, bool mask) {
  sock_.send_all(encode_frame(opcode, payload, fin, mask));
}

void ws_client::send_raw(std::string_view bytes) { sock_.send_all(bytes); }

std::string ws_client::encode_frame(int opcode, std::string_view payload, bool fin, bool mask) {
  std::string f;
  f += static_cast<char>((fin ? 0x80 : 0x00) | (opcode & 0x0F));
  const char mask_bit = static_cast<char>(mask ? 0x80 : 0x00);
  const std::uint64_t n = payload.size();
  if (n < 126) {
    f += static_cast<char>(mask_bit | static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    f += static_cast<char>(mask_bit | 126);
    f += static_cast<char>((n >> 8) & 0xFFu);
    f += static_cast<char>(n & 0xFFu);
  } else {
    f += static_cast<char>(mask_bit | 127);
    for (int s = 56; s >= 0; s -= 8) f += static_cast<char>((n >> s) & 0xFFu);
  }
  if (mask) {
    std::array<char, 4> key{};
    for (auto& ch : key) ch = static_cast<char>(rng()() & 0xFFu);
    f.append(key.data(), key.size());
    const std::size_t base = f.size();
    f.append(payload.data(), payload.size());
    for (std::size_t i = 0; i < payload.size(); ++i) f[base + i] ^= key[i % 4];
  } else {
    f.append(payload.data(), payload.size());
  }
  return f;
}

void ws_client::send_text(std::string_view text) { send_frame(op_text, text); }
void ws_client::send_binary(std::string_view bytes) { send_frame(op_binary, bytes); }
void ws_client::send_ping(std::string_view payload) { send_frame(op_ping, payload); }

void ws_client::send_close(int code, std::string_view reason) {
  std::string p;
  p += static_cast<char>((code >> 8) & 0xFF);
  p += static_cast<char>(code & 0xFF);
  p.append(reason.data(), reason.size());
  send_frame(op_close, p);
  close_sent_ = true;
}

std::optional<ws_client::frame> ws_client::read_frame(clock::time_point deadline) {
  auto need = [&](std::size_t n) {
    while (buffer_.size() < n) {
      bool eof = false;
      if (!sock_.try_read_some(buffer_, deadline, eof)) return false;
      if (eof) {
        eof_ = true;
        return false;
      }
    }
    return true;
  };
  if (!need(2)) return std::nullopt;
  const auto b0 = static_cast<unsigned char>(buffer_[0]);
  const auto b1 = static_cast<unsigned char>(buffer_[1]);
  std::size_t pos = 2;
  std::uint64_t len = b1 & 0x7Fu;
  if (len == 126) {
    if (!need(4)) return std::nullopt;
    len = (static_cast<std::uint64_t>(static_cast<unsigned char>(buffer_[2])) << 8) |
          static_cast<unsigned char>(buffer_[3]);
    pos = 4;
  } else if (len == 127) {
    if (!need(10)) return std::nullopt;
    len = 0;
    for (int i = 0; i < 8; ++i)
      len = (len << 8) | static_cast<unsigned char>(buffer_[2 + static_cast<std::size_t>(i)]);
    pos = 10;
  }
  if (len > (256u << 20)) {
    protocol_problem_ = "frame larger than 256 MiB";
    sock_.close();
    return std::nullopt;
  }
  const bool masked = (b1 & 0x80u) != 0;
  if (masked) protocol_problem_ = "server sent a masked frame";
  const std::size_t mask_pos = pos;
  if (masked) pos += 4;
  if (!need(pos + static_cast<std::size_t>(len))) return std::nullopt;
  frame f;
  f.fin = (b0 & 0x80u) != 0;
  f.opcode = b0 & 0x0F;
  if ((b0 & 0x70u) != 0) protocol_problem_ = "server set RSV bits (compression?)";
  f.payload = buffer_.substr(pos, static_cast<std::size_t>(len));
  if (masked) {
    for (std::size_t i = 0; i < f.payload.size(); ++i) f.payload[i] ^= buffer_[mask_pos + i % 4];
  }
  buffer_.erase(0, pos + static_cast<std::size_t>(len));
  return f;
}

std::optional<ws_message> ws_client::recv(std::chrono::milliseconds timeout) {
  if (close_received_ || !sock_.is_open()) return std::nullopt;
  const auto deadline = clock::now() + timeout;
  std::optional<ws_message> partial;
  for (;;) {
    auto f = read_frame(deadline);
    if (!f) return std::nullopt;
    switch (f->opcode) {
      case op_ping:
        if (!close_sent_) send_frame(op_pong, f->payload);
        continue;
      case op_pong:
        continue;
      case op_close: {
        ws_message m;
        m.type = ws_message::kind::close;
        if (f->payload.size() >= 2) {
          m.close_code = (static_cast<unsigned char>(f->payload[0]) << 8) |
                         static_cast<unsigned char>(f->payload[1]);
          m.payload = f->payload.substr(2);
        }
        close_received_ = true;
        close_code_ = m.close_code;
        if (!close_sent_) {
          try {
            send_frame(op_close, f->payload.substr(0, 2));
          } catch (const std::exception&) {
            // the server may already have dropped the TCP connection
          }
          close_sent_ = true;
        }
        return m;
      }
      case op_text:
      case op_binary:
        if (partial) protocol_problem_ = "new data frame inside a fragmented message";
        partial = ws_message{};
        partial->type = f->opcode == op_text ? ws_message::kind::text : ws_message::kind::binary;
        partial->payload = std::move(f->payload);
        break;
      case op_continuation:
        if (!partial) {
          protocol_problem_ = "continuation frame without a start";
          continue;
        }
        partial->payload += f->payload;
        break;
      default:
        protocol_problem_ = "unknown opcode " + std::to_string(f->opcode);
        continue;
    }
    if (f->fin) return partial;
  }
}

std::optional<json_doc> ws_client::recv_json(std::chrono::milliseconds timeout) {
  auto m = recv(timeout);
  if (!m || m->type != ws_message::kind::text) return std::nullopt;
  return json_doc::parse(std::move(m->payload));
}

std::optional<ws_message> ws_client::wait_close(std::chrono::milliseconds timeout,
                                                std::vector<std::string>* skipped) {
  const auto deadline = clock::now() + timeout;
  while (clock::now() < deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now());
    auto m = recv(left);
    if (!m) return std::nullopt;
    if (m->type == ws_message::kind::close) return m;
    if (skipped != nullptr) skipped->push_back(m->payload);
  }
  return std::nullopt;
}

std::optional<ws_message> ws_client::close(int code, std::chrono::milliseconds timeout) {
  if (!sock_.is_open() || close_received_) return std::nullopt;
  send_close(code);
  return wait_close(timeout);
}

}  // namespace sensorhub::testing

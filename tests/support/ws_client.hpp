// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "http_client.hpp"
#include "json.hpp"
#include "socket_io.hpp"

namespace sensorhub::testing {

// One received WebSocket message (data messages reassembled from fragments).
struct ws_message {
  enum class kind { text, binary, close };
  kind type = kind::text;
  std::string payload;            // text/binary payload, or the close reason
  std::optional<int> close_code;  // close frames with a status code
};

// Outcome of the opening handshake. upgraded: 101 with a valid
// Sec-WebSocket-Accept; otherwise `response` holds the rejection (status, body).
struct ws_handshake {
  bool upgraded = false;
  http_response response;
  std::string problem;  // why a 101 was not accepted as valid, if it was not
};

// A minimal RFC 6455 client over a blocking socket, written for tests: it can
// send malformed or unusual frames on purpose. Masks every frame it sends,
// answers pings with pongs, and answers a close frame with a close frame.
// Not thread-safe: one thread per client.
class ws_client {
 public:
  ws_client() = default;
  ws_client(ws_client&&) noexcept = default;
  ws_client& operator=(ws_client&&) noexcept = default;
  ~ws_client() = default;

  // target: path with query, e.g. "/api/v1/ws?channel=sensors".
  // extra_headers are sent after the standard ones; `version` goes into
  // Sec-WebSocket-Version. Throws std::runtime_error on socket errors.
  ws_handshake connect(const std::string& host, std::uint16_t port, const std::string& target,
                       const header_list& extra_headers = {}, const std::string& version = "13");
  // The same handshake on a socket that is already connected (e.g. a
  // keep-alive connection that carried plain HTTP requests before);
  // `authority` goes into Host.
  ws_handshake upgrade(tcp_socket sock, const std::string& authority, const std::string& target,
                       const header_list& extra_headers = {}, const std::string& version = "13");

  bool is_open() const noexcept { return sock_.is_open() && !close_received_; }

  void send_text(std::string_view text);
  void send_binary(std::string_view bytes);
  void send_ping(std::string_view payload = {});
  // Sends a close frame (code 1000 by default) without waiting for the reply.
  void send_close(int code = 1000, std::string_view reason = {});
  // Any frame, for protocol tests. mask=false sends an illegal unmasked frame.
  void send_frame(int opcode, std::string_view payload, bool fin = true, bool mask = true);
  // The bytes of one client frame, to send several in one write (send_raw).
  static std::string encode_frame(int opcode, std::string_view payload, bool fin = true,
                                  bool mask = true);
  void send_raw(std::string_view bytes);

  // Next data or close message; nullopt on timeout. After a close message the
  // client has answered it and further calls return nullopt.
  std::optional<ws_message> recv(std::chrono::milliseconds timeout = default_timeout);

  // Next message parsed as JSON; nullopt on timeout, close (see close_code())
  // or a binary message. A text message that is not JSON yields a json_doc
  // with ok() == false.
  std::optional<json_doc> recv_json(std::chrono::milliseconds timeout = default_timeout);

  // Reads (and discards into `skipped`, if given) messages until the close
  // frame; returns it, or nullopt on timeout / EOF without close.
  std::optional<ws_message> wait_close(std::chrono::milliseconds timeout = default_timeout,
                                       std::vector<std::string>* skipped = nullptr);

  // Close handshake from our side: send close, wait for the server's close.
  std::optional<ws_message> close(int code = 1000,
                                  std::chrono::milliseconds timeout = default_timeout);

  // Set once a close frame was received.
  std::optional<int> close_code() const noexcept { return close_code_; }
  bool close_received() const noexcept { return close_received_; }
  // True if the server violated the protocol (masked frame, bad opcode, ...).
  const std::string& protocol_problem() const noexcept { return protocol_problem_; }
  // True if the TCP connection ended (EOF/reset) without a close frame.
  bool eof() const noexcept { return eof_; }

  tcp_socket& socket() noexcept { return sock_; }

 private:
  struct frame {
    bool fin = true;
    int opcode = 0;
    std::string payload;
  };
  std::optional<frame> read_frame(clock::time_point deadline);

  tcp_socket sock_;
  std::string buffer_;
  bool close_sent_ = false;
  bool close_received_ = false;
  bool eof_ = false;
  std::optional<int> close_code_;
  std::string protocol_problem_;
};

// Helpers exposed for tests.
std::string base64_encode(std::string_view bytes);
std::string sha1_digest(std::string_view bytes);  // 20 raw bytes

}  // namespace sensorhub::testing

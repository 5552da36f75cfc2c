// SPDX-License-Identifier: MIT
#pragma once

// A Server-Sent Events reader for the e2e tests (SPEC §10): one HTTP/1.1
// GET over a real socket, the chunked body decoded as it arrives and split
// into SSE records as a browser's EventSource would. Not thread-safe.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "support/http_client.hpp"
#include "support/socket_io.hpp"

namespace sensorhub::e2e {

using testing::header_list;
using testing::tcp_socket;

// One record: its fields, or a comment (lines starting with ':').
struct sse_record {
  std::optional<std::string> id;
  std::string event = "message";
  std::string data;     // data lines joined with '\n'
  std::string comment;  // a comment-only record (": keepalive")
  bool is_comment() const { return !comment.empty(); }
  std::optional<std::int64_t> seq() const;  // the id as a number
};

class sse_client {
 public:
  // GETs `target`; the head is read. A 200 text/event-stream leaves the
  // client ready for next(); any other answer is in response() with its
  // whole body. receive_buffer > 0 sets SO_RCVBUF (a reader that stalls).
  sse_client(const std::string& host, std::uint16_t port, const std::string& target,
             const header_list& headers = {}, int receive_buffer = 0);

  const testing::http_response& response() const { return head_; }
  bool streaming() const { return streaming_; }

  // The next record; nullopt when the stream ended (last chunk or EOF).
  // Throws std::runtime_error on timeout.
  std::optional<sse_record> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next record that is not a comment.
  std::optional<sse_record> next_event(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Every byte of the decoded body so far (for exact-format checks).
  const std::string& raw() const { return raw_; }
  bool ended() const { return ended_; }
  void close() { sock_.close(); }

 private:
  bool fill(std::chrono::steady_clock::time_point deadline);  // decodes more body
  bool decode_chunks();

  tcp_socket sock_;
  testing::http_response head_;
  bool streaming_ = false;
  bool chunked_ = false;
  bool ended_ = false;
  std::string wire_;  // undecoded bytes
  std::string body_;  // decoded, not yet parsed into records
  std::string raw_;   // decoded, all of it
};

}  // namespace sensorhub::e2e

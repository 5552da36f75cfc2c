// SPDX-License-Identifier: MIT
#pragma once

// An HTTP/1.x response read incrementally: the status line, the headers,
// then a body delimited by Content-Length, chunked transfer coding, or the
// end of the connection (Connection: close).

#include <cstddef>
#include <optional>
#include <string>

namespace sensorhub::client::detail {

class http_response_parser {
 public:
  struct result {
    int status = 0;
    std::string body;
  };

  void feed(const char* data, std::size_t n);
  // The peer closed the connection.
  void at_eof() { eof_ = true; }
  // The whole response is in (no need to read further).
  bool complete();
  std::size_t size() const noexcept { return in_.size(); }
  // The response, or nullopt with `error` set (malformed or cut short).
  std::optional<result> finish(std::string& error);

 private:
  enum class framing { unknown, length, chunked, close };
  bool parse_head(std::string& error);
  // Decodes the chunked body: true when the last chunk is in.
  bool dechunk(std::string& body, std::string& error) const;

  std::string in_;
  bool eof_ = false;
  bool head_done_ = false;
  std::string head_error_;
  std::size_t body_at_ = 0;
  int status_ = 0;
  framing framing_ = framing::unknown;
  std::size_t length_ = 0;
};

}  // namespace sensorhub::client::detail

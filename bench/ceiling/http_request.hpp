// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string_view>

namespace ceiling {

// The head of one HTTP/1.1 request, as views into the connection's input.
// Only what the ceiling routes on; no validation beyond that.
struct http_request {
  std::string_view method;
  std::string_view path;    // target up to '?'
  std::string_view query;   // after '?', may be empty
  std::string_view ws_key;  // Sec-WebSocket-Key
  std::size_t content_length = 0;
  std::size_t head_size = 0;  // bytes up to and including the blank line
  bool keep_alive = true;
  bool upgrade = false;  // Upgrade: websocket
  bool chunked = false;  // Transfer-Encoding present (not supported)
};

enum class parse_status { complete, incomplete, bad };

// Parses the head at the start of `in`. Free function, no state.
parse_status parse_request_head(std::string_view in, http_request& out);

}  // namespace ceiling

// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace bench {

// One HTTP/1.x response read from the start of a buffer.
struct parsed_response {
  int status = 0;
  std::string body;
  std::size_t consumed = 0;  // bytes of the whole response (head + body)
  bool keep_alive = false;   // HTTP/1.1 without "Connection: close"
};

enum class parse_state { incomplete, complete, invalid };

// Reads a response with Content-Length, chunked transfer coding or (at_eof)
// a body delimited by the end of the connection. `error` says why on
// invalid. Pure function, thread-safe.
parse_state parse_http_response(std::string_view data, bool at_eof, parsed_response& out,
                                std::string& error);

// The integer after the first "id": in a JSON body, or 0.
long long json_id_of(std::string_view body);

}  // namespace bench

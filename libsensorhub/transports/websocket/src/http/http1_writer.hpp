// SPDX-License-Identifier: MIT
#pragma once
// Writes HTTP/1.x responses: whole ones, and streamed ones (chunked).

#include <string>
#include <string_view>

#include "sensorhub/transports/http.hpp"

namespace sensorhub::ws_detail {

// Status line + headers (+ body unless head_only). Always Content-Length
// (for HEAD: the length the body would have) except 1xx/204/304, which get
// neither a length nor a body; "Connection: close" when !keep_alive,
// "Connection: keep-alive" for an HTTP/1.0 keep-alive; Content-Type from
// r.content_type when the body is non-empty (also for HEAD). r.headers go
// out as given, except the framing ones this writer owns (Content-Length,
// Transfer-Encoding, Connection; Content-Type when it writes one).
// Pure functions: thread-safe.
std::string write_http1_response(const http_response& r, int version_minor, bool keep_alive,
                                 bool head_only);

// "HTTP/1.1 100 Continue\r\n\r\n".
const std::string& http1_continue();

// The head of a streamed response: HTTP/1.1 gets Transfer-Encoding: chunked
// (then http1_chunk()s, then http1_last_chunk()); HTTP/1.0 gets no length
// and Connection: close (the stream ends with the connection). Content-Type
// from r.content_type when set; r.body, if any, is the first chunk.
std::string write_http1_stream_head(const http_response& r, int version_minor, bool keep_alive);

// "<hex size>\r\n<data>\r\n"; empty data gives "" (an empty chunk would end
// the stream).
std::string http1_chunk(std::string_view data);

// "0\r\n\r\n": the end of a chunked stream.
const std::string& http1_last_chunk();

}  // namespace sensorhub::ws_detail

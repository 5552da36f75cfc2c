#pragma once
// HTTP-level policy of the transport: which requests websocketpp may accept
// at all, and the JSON bodies of the error responses it writes itself.
#if defined(__GNUC__)
#pragma GCC system_header
#endif

#include <cstddef>
#include <string>
#include <string_view>

#include <websocketpp/http/request.hpp>
#include <websocketpp/http/response.hpp>

#include "sensorhub/error.hpp"
#include "sensorhub/transports/websocket.hpp"

namespace sensorhub::ws_detail {

// websocketpp's request parser (config::request_type), refusing while the
// request is parsed: an HTTP version other than 1.0/1.1 (505), and a
// WebSocket upgrade that is not version 13 (400), so websocketpp never picks
// a hybi00/07/08 processor (hybi00 has no message size limit).
class ws_request : public websocketpp::http::parser::request {
 public:
  std::size_t consume(char const* buf, std::size_t len);
};

// websocketpp's response (config::response_type). websocketpp writes some
// error responses itself (malformed request, 413 for a body over
// max_http_body_size, 431 for oversized headers, the refusals above) with an
// empty body; raw() gives those the JSON error body of SPEC §2. Responses
// with a body or a status below 400 are written unchanged.
class ws_response : public websocketpp::http::parser::response {
 public:
  std::string raw() const;
};

const char* reason_phrase(int status) noexcept;
std::string lower(std::string s);

}  // namespace sensorhub::ws_detail

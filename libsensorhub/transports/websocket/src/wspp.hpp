// SPDX-License-Identifier: MIT
#pragma once
// websocketpp's protocol code, as a system header so the project's warning
// flags (and -Werror) apply to our code only. The transport keeps its own
// sockets, buffers and HTTP/1.1; from websocketpp it takes only the RFC 6455
// (hybi13) processor: handshake validation and the accept key, the frame
// parser for client frames, and frame preparation for server frames.
// Included only by the WebSocket side of a connection (net/ws_stream.cpp)
// and the frame maker (net/frames.cpp).
#if defined(__GNUC__)
#pragma GCC system_header
#endif

#include <cstddef>
#include <cstdint>

#include <websocketpp/extensions/permessage_deflate/disabled.hpp>
#include <websocketpp/http/request.hpp>
#include <websocketpp/http/response.hpp>
#include <websocketpp/message_buffer/alloc.hpp>
#include <websocketpp/message_buffer/message.hpp>
#include <websocketpp/processors/hybi13.hpp>
#include <websocketpp/random/none.hpp>

namespace sensorhub::ws_detail {

// The types the hybi13 processor asks of a config: websocketpp's own HTTP
// request/response and message types, no RNG (a server never masks), no
// permessage-deflate.
struct ws_protocol_config {
  typedef websocketpp::http::parser::request request_type;
  typedef websocketpp::http::parser::response response_type;
  typedef websocketpp::message_buffer::message<websocketpp::message_buffer::alloc::con_msg_manager>
      message_type;
  typedef websocketpp::message_buffer::alloc::con_msg_manager<message_type> con_msg_manager_type;
  typedef websocketpp::random::none::int_generator<std::uint32_t> rng_type;

  struct permessage_deflate_config {};
  typedef websocketpp::extensions::permessage_deflate::disabled<permessage_deflate_config>
      permessage_deflate_type;

  static const std::size_t max_message_size = 64 * 1024;  // overridden per connection
  static const bool enable_extensions = false;
};

using ws_processor = websocketpp::processor::hybi13<ws_protocol_config>;
using ws_message_ptr = ws_protocol_config::message_type::ptr;
using ws_msg_manager = ws_protocol_config::con_msg_manager_type;
using ws_http_request = ws_protocol_config::request_type;
using ws_http_response = ws_protocol_config::response_type;

}  // namespace sensorhub::ws_detail

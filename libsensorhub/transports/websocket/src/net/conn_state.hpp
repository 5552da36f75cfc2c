// SPDX-License-Identifier: MIT
#pragma once
// The per-mode state of a conn: what an HTTP connection needs until it
// upgrades (the request parser and the bytes of pipelined requests), and
// what a WebSocket needs (the frame parser, the session, keepalive and
// flood bookkeeping). Private to the conn's translation units.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/http1_parser.hpp"
#include "policy/body_budget.hpp"
#include "policy/flood_policy.hpp"
#include "policy/ping_sweeper.hpp"
#include "sensorhub/session.hpp"
#include "sensorhub/transports/http.hpp"
#include "sensorhub/transports/websocket.hpp"

namespace sensorhub::ws_detail {

// An error the transport answers itself, with the SPEC §2 body and the
// status the HTTP layer needs (408, 431, 501 and 505 have no code of
// their own in SPEC §2: they say invalid_parameter). http_exchange.cpp.
http_response transport_error(int status, std::string_view detail);

class conn_stream;  // conn_stream.cpp: the http_stream of a streamed answer

struct http_state {
  explicit http_state(const websocket_options& o) : parser(o.max_header_bytes) {}

  http1_parser parser;
  // Bytes read past the request the handler has: at most max_header_bytes,
  // because conn::read_size() never reads further ahead (SPEC §9 pipelining).
  std::string stash;
  // The request body's share of the server-wide body budget; given back
  // when the body is dropped (parser.next()) or with this state.
  body_reservation body_hold;
  // A refusal decided on the head of a request without a body: sent in
  // place of the handler's answer once the request is complete.
  std::optional<http_response> early;
  bool keep_alive = true;  // of the request in progress
  // Answered, but earlier answers are unsent: the next request waits.
  bool awaiting_drain = false;
  bool head_only = false;
  int version_minor = 1;
  std::shared_ptr<conn_stream> stream;  // while a streamed answer is written
};

class ws_frame_reader;  // ws_stream.cpp: the hybi13 processor

struct ws_state {
  ws_state();
  ~ws_state();

  std::unique_ptr<ws_frame_reader> reader;
  std::shared_ptr<sensorhub::session> session;
  ping_state ping;
  std::chrono::steady_clock::time_point ping_sent{};
  flood_state flood;
  std::string principal;
  bool counted = false;      // in the per-address WebSocket count
  bool close_sent = false;   // our close frame is queued
  bool peer_closed = false;  // the peer's close frame arrived
  bool input_dead = false;   // a protocol error: input is discarded
};

}  // namespace sensorhub::ws_detail

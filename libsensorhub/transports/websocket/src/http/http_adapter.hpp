#pragma once

#include "sensorhub/transports/http.hpp"
#include "wspp.hpp"

namespace sensorhub::ws_detail {

class listener;

// Plain HTTP between websocketpp and the http_request / http_response /
// http_responder types of sensorhub/transports/http.hpp. Network thread,
// except the responder, which may be called from any thread.

// The request websocketpp parsed: an absolute-form target reduced to its
// path, the query split off, header names lower-cased, the peer address.
http_request read_request(ws_connection& c);

// Writes r as c's HTTP response (status, headers, body, Connection: close).
void write_response(ws_connection& c, const http_response& r);

// Defers c's response and hands the request to the options' http_handler
// with a responder: its first call writes the response on the network
// thread; if every copy is dropped unanswered, the client gets a 500. A
// handler that throws answers 500. The handler must be set.
void serve_http(listener& l, const ws_con_ptr& c);

}  // namespace sensorhub::ws_detail

// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sensorhub/transports/rate_limiter.hpp"
#include "sensorhub/transports/http.hpp"
#include "sensorhub/logger.hpp"
#include "sensorhub/session.hpp"
#include "sensorhub/transport.hpp"

namespace sensorhub {

struct websocket_options {
  using log_level = sensorhub::log_level;  // the project's one scale (logger.hpp)

  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;  // 0: an ephemeral port, see port()
  std::vector<std::string> ws_paths{"/api/v1/ws", "/api/v1/ws/secure"};

  std::size_t max_message_size = 64u << 10;    // client frames; larger -> close 1009
  std::size_t max_http_body_size = 16u << 20;  // larger bodies -> 413 before any handler
  // All request bodies buffered at once, over every connection: a request
  // reserves its declared Content-Length when its head passed every check
  // (a chunked one as its decoded body grows) and gives it back once its
  // answer is written or its connection closes. A request that does not fit
  // gets 503 unavailable with Retry-After: 1 and its body is never read.
  // The default holds four bodies of the default max_http_body_size at
  // once; a handler usually parses a body into several times its size, so
  // this also caps that. 0: no budget.
  std::size_t max_buffered_body_bytes = 64u << 20;
  std::size_t max_connections = 10000;  // sockets; over it -> 503
  // Open WebSockets per client address; one more is refused at the
  // handshake with 429 rate_limited. 0: no cap.
  std::size_t max_connections_per_address = 256;
  // Client messages (text or binary frames) per WebSocket: a token bucket.
  // A message over the rate gets {"type":"error","error":"rate_limited"};
  // after message_flood_warnings such replies in a row the connection is
  // closed with 1008 "rate limited". per_second <= 0: no limit.
  rate_limit message_rate{20.0, 40.0};
  // The same, summed over all WebSockets of one client address and over all
  // WebSockets of one token (principal), so opening more connections does
  // not multiply a client's allowance. per_second <= 0: no limit.
  rate_limit shared_message_rate{100.0, 200.0};
  std::size_t message_flood_warnings = 10;
  std::size_t backlog_limit = 4u << 20;  // per WebSocket: slow consumer -> 1008
  // All WebSocket backlogs together (SPEC §3): each network thread sums
  // its subscribers' backlogs every 250 ms; while the sum over all threads
  // is past this budget, the largest backlogs are cut first, by the same
  // 1008 "slow consumer" rule. The default holds 64 subscribers at their
  // full 4 MiB limit (the frames of one event are shared by every queue, so
  // the sum overstates the memory): a daemon of many subscribers can never
  // hold 4 MiB for each of them. 0: no global budget.
  std::size_t total_backlog_limit = 256u << 20;
  std::chrono::milliseconds ping_interval{30000};     // ping a connection idle this long
  std::chrono::milliseconds pong_timeout{10000};      // no pong by then -> close
  std::chrono::milliseconds handshake_timeout{5000};  // to read a full request head
  // A keep-alive HTTP connection with no request in progress is closed
  // after this long.
  std::chrono::milliseconds idle_timeout{60000};
  std::size_t max_header_bytes = 16u << 10;  // request line + headers; larger -> 431
  // SO_SNDBUF of every accepted socket (Linux doubles it): bounds what the
  // kernel holds for a client that stops reading, so a slow consumer's
  // 1008 frame is never megabytes behind, and fixes the kernel memory per
  // connection. 0: the kernel's autotuning.
  std::size_t socket_send_buffer = 128u << 10;
  // Network threads; connections are spread over them. 0: one per core.
  std::size_t network_threads = 0;
  std::chrono::milliseconds stop_grace{3000};  // stop(): wait for closes and responses

  // Decides on a plain HTTP request's head, before any byte of its body is
  // read (SPEC §9): `head.body` is empty. Return a response to answer now
  // (e.g. 401, 404, 411, 413, 415): the body is never read, and when one
  // was announced the connection closes after the answer. Otherwise the
  // transport answers `Expect: 100-continue`, reads the body (decoding a
  // chunked one) up to `max_body` bytes (preset to max_http_body_size;
  // more -> 413) and calls http_handler with the complete request. It may
  // set head.context for the handler. Network thread; must not block.
  // Unset: every request is read up to max_http_body_size.
  std::function<std::optional<http_response>(http_request& head, std::size_t& max_body)>
      http_head_check;
  // Plain HTTP requests (any path that is not a WebSocket upgrade). Runs on
  // a network thread: answer quickly or hand the work (and the responder)
  // to another thread. Responses go out in request order on keep-alive
  // connections; a HEAD request (head.head) is answered without its body.
  // Unset: every request gets 404.
  std::function<void(const http_request&, http_responder)> http_handler;
  // Called for each WebSocket upgrade on one of ws_paths, after the query
  // was validated; return a response to refuse it (e.g. 401, 403). To tag
  // an accepted connection (e.g. with the name of the token it used) set
  // `principal`; close_principal() closes connections by tag. `session` is
  // what the query asked for; the hook may narrow it (e.g. set the data
  // scope of the token used). Network thread.
  std::function<std::optional<http_response>(const http_request&, std::string_view ws_path,
                                             std::string& principal, session_options& session)>
      handshake_check;
  // TLS: with both set, the port speaks only TLS (https://, wss://, SSE
  // over https) with this PEM certificate chain (leaf first) and PEM
  // private key, loaded by start() (a missing, unreadable or mismatched
  // file throws). TLS 1.2 or newer, no compression, the server's cipher
  // preference, no renegotiation. A plain-HTTP request gets 400 in plain
  // text and the connection closes. reload_tls() loads the files again.
  // Empty (both): plain TCP.
  std::string tls_cert_file;
  std::string tls_key_file;
  // Log lines of the transport (never contain query strings). Any thread.
  // Unset: the hub's logger (transport_context::log).
  log_sink logger;
};

// The WebSocket transport and HTTP/1.1 front of sensorhubd on one port:
// its own Asio connections on `network_threads` threads (keep-alive,
// pipelining, chunked bodies, 100-continue, HEAD; SPEC §9), speaking
// WebSocket after an upgrade through websocketpp's hybi13 protocol code.
//
// Each WebSocket connection is a sensorhub::session (SPEC §3): query
// parameters `channel`, `since`, `snapshot`, `token` and the filters of
// SPEC §6; a bad one refuses the handshake with 400 and a JSON error body.
// Events are framed once and the same frame is queued on every connection;
// the frames pending for a connection leave in one gather write per pass
// of its network thread. TCP_NODELAY, no permessage-deflate,
// Sec-WebSocket-Version 13 only.
//
// Thread-safety: start() and stop() are called by the hub (or one owner),
// never from a network thread (stop() joins them); port(), open_connections()
// and stop_accepting() may be called from any thread. The handlers in the
// options run on network threads (several at once); http_responder may be
// called from any thread.
class websocket_transport final : public transport {
 public:
  explicit websocket_transport(websocket_options options);
  ~websocket_transport() override;
  websocket_transport(const websocket_transport&) = delete;
  websocket_transport& operator=(const websocket_transport&) = delete;

  // Binds, listens and starts the network threads. Throws sensorhub::error
  // (errc::internal) when the address cannot be bound.
  void start(const transport_context& ctx) override;
  // Stops accepting, answers new requests with 503, closes WebSockets with
  // 1001 "going away", waits up to stop_grace for deferred HTTP responses
  // and close handshakes, then drops what remains and joins the thread.
  void stop() noexcept override;
  // Stops accepting new connections; connections already open keep going.
  void stop_accepting() noexcept;
  // Closes (soon, on its network thread) every open WebSocket whose
  // handshake_check set this principal. Any thread.
  void close_principal(const std::string& principal, int code, const std::string& reason);

  // Loads tls_cert_file and tls_key_file again (after the files were
  // replaced, e.g. on SIGHUP): new handshakes use them, open connections
  // keep the certificate they started with. Returns a description of the
  // certificate now served (subject, SHA-256 fingerprint, expiry). Throws
  // sensorhub::error when TLS is off or the new files cannot be used; the
  // previous certificate is then still served. Any thread, after start().
  std::string reload_tls();
  // The description of the certificate served; "" when TLS is off.
  std::string tls_certificate() const;

  // The bound port (useful with port 0); 0 before start().
  std::uint16_t port() const noexcept;
  // Sockets currently open (WebSocket and HTTP).
  std::size_t open_connections() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/transport.hpp"
#include "sensorhub/transports/http.hpp"

namespace sensorhub {

struct sse_options {
  // The slow-consumer limit of each stream (bytes queued in the daemon plus
  // bytes its socket has not taken yet).
  std::size_t backlog_limit = 4u << 20;
  // A `: keepalive` comment goes out after this long without a write.
  std::chrono::milliseconds keepalive_interval{15000};
};

// Server-Sent Events (SPEC §10): the WebSocket's events, one way, over a
// streamed HTTP answer. Written against the public transport interfaces
// only: one sensorhub::session per stream (greeting, channels, filters,
// data scope, `since`/Last-Event-ID resume, snapshots, conflation and the
// slow-consumer rule all are the session's), a connection that writes each
// message as an SSE record into an http_stream, a session_registry and one
// serial_executor (the streams' thread). It has no socket of its own: an
// HTTP front (the WebSocket transport's) routes the request to open() and
// carries the stream.
//
// Add it to the hub before the transport whose HTTP front carries the
// streams, so that on stop its streams get server_stopping and end while
// that front still runs.
// Thread-safe: open() from any thread (the network threads).
class sse_transport final : public transport {
 public:
  explicit sse_transport(sse_options opts = {});
  ~sse_transport() override;
  sse_transport(const sse_transport&) = delete;
  sse_transport& operator=(const sse_transport&) = delete;

  void start(const transport_context& ctx) override;
  // server_stopping (already published) goes out, then every stream ends.
  void stop() noexcept override;

  // The answer to GET /api/v1/events/stream for a caller already
  // authenticated, whose data scope is `scope`: 400 (invalid_parameter)
  // for a bad query or Last-Event-ID, 503 unless started and not stopping,
  // else a 200 text/event-stream whose stream starts a session. The query
  // is the WebSocket's (channel, since, filters, snapshot, conflate,
  // token); Last-Event-ID wins over since and over snapshot (a reconnect
  // resumes instead of taking a new snapshot). `principal` names the
  // credential the caller used (e.g. "token:NAME"; empty: none), for
  // close_principal.
  http_response open(const http_request& req, const data_scope& scope, std::string principal = {});
  // Ends every stream opened with this principal (a revoked token's): its
  // session closes, the stream ends. From any thread; does not wait.
  void close_principal(const std::string& principal);

  // Streams with a session (for tests and metrics).
  std::size_t streams() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace sensorhub

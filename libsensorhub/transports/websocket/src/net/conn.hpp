// SPDX-License-Identifier: MIT
#pragma once

#include <asio.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "net/out_queue.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/session.hpp"
#include "sensorhub/transports/http.hpp"

namespace sensorhub::ws_detail {

class shard;
class server;
class tls_layer;
struct http_state;
struct ws_state;

// One accepted socket, from its first byte to its close: HTTP/1.1 requests
// (keep-alive, pipelined, answered in order) and, after an upgrade, one
// WebSocket with its sensorhub::session.
//
// Reads wait for readability and then read into the shard's shared buffer,
// so an idle connection holds no receive buffer; writes go through an
// out_queue flushed corked by the shard. The HTTP state is dropped on
// upgrade, the WebSocket state exists only after it.
//
// conn.cpp: reading, flushing, closing and the timers of every phase;
// http_exchange.cpp: requests and responses; ws_stream.cpp: frames and the
// session; conn_tls.cpp: reading through TLS (when the transport has a
// certificate: a tls_layer between the socket and everything above).
// Every member function runs on the shard's thread.
class conn : public std::enable_shared_from_this<conn> {
 public:
  using clock = std::chrono::steady_clock;

  conn(shard& s, asio::ip::tcp::socket sock);
  ~conn();
  conn(const conn&) = delete;
  conn& operator=(const conn&) = delete;

  // Joins the shard's live set and starts reading.
  void start();
  // The shard's periodic check: timeouts of the current phase, pings.
  void tick(clock::time_point now);
  // Writes what is queued (the shard calls it when a cork ends).
  void flush();
  // The transport is stopping: WebSockets get 1001, idle HTTP connections
  // close, a request in progress is answered with Connection: close.
  void begin_shutdown();
  // Closes the socket now, whatever is unsent.
  void terminate() { close_socket(); }

  // The WebSocket side, for the session's connection (ws_link).
  void ws_send_text(const std::shared_ptr<const std::string>& text);
  void ws_send_event(const event& e);
  void ws_close(int code, std::string_view reason);
  // Closes the WebSocket through its session (so it stops first), as
  // the transport does on stop, revocation, floods and protocol errors.
  void ws_shutdown(int code, std::string_view reason);
  // Bytes queued and not yet with the kernel (ciphertext included).
  std::size_t unsent_bytes() const noexcept;
  // An open WebSocket's backlog: the larger of its unsent bytes and its
  // session's (events waiting in the session queue plus the last unsent
  // count it was told). 0 for anything else.
  std::size_t ws_backlog() const noexcept;
  // Closes an open WebSocket as a slow consumer (SPEC §3) and counts it as
  // a dropped subscriber; logs `why` at warn (with the session's
  // client_id) unless it is empty.
  void cut_slow_consumer(std::string_view why);
  // The principal handshake_check tagged this WebSocket with ("" if none).
  const std::string& principal() const noexcept;
  bool is_websocket() const noexcept { return ws_ != nullptr; }

  // The HTTP side: the answer to the request in progress (http_responder).
  void finish_http(const http_response& r);
  // A streamed answer's body (conn_stream.cpp, through http_stream).
  void stream_write(const std::string& data);
  void stream_end();
  void stream_cut(const std::string& last);  // drops unsent output, writes last, ends

  std::size_t live_index = static_cast<std::size_t>(-1);  // the shard's live set

 private:
  enum class phase : unsigned char {
    http_head,       // reading a request head (header timeout: 408)
    http_idle,       // keep-alive, between requests (idle timeout)
    http_body,       // reading a request body
    http_busy,       // the handler has the request, or its answer waits
                     // for earlier ones to be sent; reading paused
    http_streaming,  // a streamed answer is being written
    ws_open,
    ws_closing,  // close frame sent; waiting for the peer's (close grace)
    draining,    // last bytes going out, then shutdown and a short linger
    closed,
  };

  // conn.cpp
  void arm_read();
  void on_readable();
  void on_bytes(const char* data, std::size_t len);
  void on_eof();
  void queue(out_queue::bytes b);
  void mark_dirty();
  bool all_sent() const noexcept { return unsent_bytes() == 0; }
  void arm_write();
  void after_drain();
  void drain_then_close();
  void close_socket();
  bool reading_wanted() const noexcept;
  server& owner() const noexcept;

  // conn_tls.cpp
  void on_tls_readable();
  void after_tls_input();
  void refuse_plaintext();
  out_queue::flush_result flush_tls();

  // http_exchange.cpp
  void on_http_bytes(const char* data, std::size_t len);
  bool on_head();
  void dispatch();
  void refuse_http(const http_response& r, bool close_after);
  void write_http(const http_response& r, bool keep_alive, bool head_only);
  void resume_http();
  void answers_drained();
  void next_request();
  void on_upgrade(const char* rest, std::size_t len);
  bool hold_body(std::uint64_t total, std::size_t step);
  std::size_t read_size() const noexcept;
  // conn_stream.cpp
  void start_stream(const http_response& r, bool keep_alive);
  void stream_input(const char* data, std::size_t len);
  void end_stream_on_close() noexcept;

  // ws_stream.cpp
  void open_websocket(const http_request& req, std::string principal, std::string key,
                      session_options opts);
  void on_ws_bytes(const char* data, std::size_t len);
  void on_ws_message(int opcode, std::string& payload);
  void ws_fail(int code, std::string_view reason);
  void ws_queue(out_queue::bytes b);
  bool judge_control(clock::time_point now);
  void ws_close_reply(int code);
  void ws_tick(clock::time_point now);
  bool ws_peer_closed() const noexcept;
  void note_backlog();
  void end_websocket() noexcept;

  shard& sh_;
  asio::ip::tcp::socket sock_;
  out_queue out_;
  std::unique_ptr<tls_layer> tls_;    // null: plain TCP
  std::unique_ptr<http_state> http_;  // until an upgrade
  std::unique_ptr<ws_state> ws_;      // after it
  std::string address_;               // the peer's IP address
  clock::time_point since_;           // start of the current phase's wait
  phase ph_ = phase::http_head;
  bool reading_ = false;    // a wait for readability is pending
  bool writing_ = false;    // a wait for writability is pending
  bool dirty_ = false;      // in the shard's flush list
  bool peer_eof_ = false;   // the peer shut its side
  bool lingering_ = false;  // draining: our side is shut, reading until EOF
};

}  // namespace sensorhub::ws_detail

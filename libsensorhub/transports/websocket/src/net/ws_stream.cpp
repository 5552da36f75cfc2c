// SPDX-License-Identifier: MIT
// The WebSocket side of a connection (SPEC §3): the handshake answer, client
// frames through websocketpp's hybi13 parser, the control frames (ping,
// pong, close handshake), the session's sends, keepalive, and the close
// rule: unsent output is dropped, the close frame follows the bytes the
// kernel already has, and the peer gets a grace period to read it.
#include <exception>
#include <string>
#include <utility>

#include "net/conn.hpp"
#include "net/conn_state.hpp"
#include "net/server.hpp"
#include "net/shard.hpp"
#include "net/ws_link.hpp"
#include "sensorhub/event_bus.hpp"
#include "sensorhub/protocol.hpp"
#include "wspp.hpp"

namespace sensorhub::ws_detail {

namespace {

// websocketpp's message allocator: stateless, so every processor shares one.
const std::shared_ptr<ws_msg_manager>& message_manager() {
  static const auto m = std::make_shared<ws_msg_manager>();
  return m;
}

}  // namespace

// Client frames in, whole messages out (control frames included).
class ws_frame_reader {
 public:
  explicit ws_frame_reader(std::size_t max_message) : proc_(false, true, message_manager(), rng_) {
    proc_.set_max_message_size(max_message);
  }

  // Feeds bytes; calls on_message(opcode, payload) per complete message
  // until it returns false. Returns 0, or the close code of a protocol
  // error (1002, 1007 bad UTF-8, 1009 too big).
  template <class F>
  int feed(const char* data, std::size_t len, F&& on_message) {
    auto* p = reinterpret_cast<std::uint8_t*>(const_cast<char*>(data));
    while (len != 0) {
      websocketpp::lib::error_code ec;
      const std::size_t n = proc_.consume(p, len, ec);
      if (ec) return close_code(ec);
      p += n;
      len -= n;
      if (proc_.ready()) {
        ws_message_ptr m = proc_.get_message();
        if (m && !on_message(static_cast<int>(m->get_opcode()), m->get_raw_payload())) return 0;
      } else if (n == 0) {
        return 1002;  // no progress: never expected, never spin
      }
    }
    return 0;
  }

 private:
  static int close_code(const websocketpp::lib::error_code& ec) {
    namespace pe = websocketpp::processor::error;
    if (ec == pe::make_error_code(pe::message_too_big)) return 1009;
    if (ec == pe::make_error_code(pe::invalid_utf8)) return 1007;
    return 1002;
  }

  ws_protocol_config::rng_type rng_;
  ws_processor proc_;
};

ws_state::ws_state() = default;
ws_state::~ws_state() = default;

namespace {

// The Sec-WebSocket-Accept of this request, or "" when it is not a valid
// RFC 6455 opening handshake (hybi13's own checks).
std::string accept_key(const http_request& req) {
  ws_http_request r;
  r.set_method(req.head ? "HEAD" : req.method);
  r.set_version(req.version_minor == 1 ? "HTTP/1.1" : "HTTP/1.0");
  r.set_uri(req.query.empty() ? req.path : req.path + "?" + req.query);
  for (const auto& [name, value] : req.headers) r.append_header(name, value);
  ws_protocol_config::rng_type rng;
  ws_processor proc(false, true, message_manager(), rng);
  if (proc.validate_handshake(r)) return {};
  ws_http_response resp;
  if (proc.process_handshake(r, "", resp)) return {};
  return resp.get_header("Sec-WebSocket-Accept");
}

}  // namespace

void conn::open_websocket(const http_request& req, std::string principal, std::string key,
                          session_options opts) {
  const std::string accept = key.empty() ? std::string() : accept_key(req);
  if (accept.empty()) {
    http_response r = error_response(errc::invalid_parameter, "not a valid WebSocket handshake");
    return refuse_http(r, true);
  }
  if (!owner().count_websocket(address_)) {
    http_response r =
        error_response(errc::rate_limited, "too many WebSocket connections from this address");
    r.headers.emplace_back("Retry-After", "1");
    return refuse_http(r, true);
  }
  queue(std::make_shared<std::string>(
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: " +
      accept + "\r\nServer: sensorhubd\r\n\r\n"));
  http_.reset();
  const auto now = clock::now();
  ws_ = std::make_unique<ws_state>();
  ws_->counted = true;
  ws_->reader = std::make_unique<ws_frame_reader>(owner().options().max_message_size);
  ws_->principal = std::move(principal);
  ws_->flood = owner().open_flood(now);
  ws_->ping.heard(now);
  ph_ = phase::ws_open;
  since_ = now;
  if (owner().stopping()) return ws_close(1001, "going away");

  auto link = std::make_shared<ws_link>(weak_from_this(), sh_.weak_from_this());
  auto s = std::make_shared<session>(owner().context(), std::move(link), opts.backlog_limit);
  ws_->session = s;
  try {
    s->start(opts);
  } catch (const std::exception& e) {
    owner().log(log_level::error, std::string("session start failed: ") + e.what());
    ws_shutdown(1011, "internal error");
  }
}

void conn::on_ws_bytes(const char* data, std::size_t len) {
  if (ws_->input_dead) return;
  const int failure = ws_->reader->feed(data, len, [this](int opcode, std::string& payload) {
    on_ws_message(opcode, payload);
    return ws_ && !ws_->input_dead && ph_ != phase::closed && ph_ != phase::draining;
  });
  if (failure != 0 && ws_) {
    ws_fail(failure, failure == 1009   ? "message too big"
                     : failure == 1007 ? "invalid UTF-8"
                                       : "protocol error");
  }
}

void conn::on_ws_message(int opcode, std::string& payload) {
  namespace op = websocketpp::frame::opcode;
  const auto now = clock::now();
  ws_->ping.heard(now);
  switch (opcode) {
    case op::text:
    case op::binary: {
      if (ph_ != phase::ws_open || !ws_->session) return;
      switch (owner().judge_message(ws_->flood, address_, ws_->principal, now)) {
        case flood_verdict::accept:
          break;
        case flood_verdict::ignore:
          return;
        case flood_verdict::close:
          owner().log(log_level::warn,
                      "closing a WebSocket that kept flooding after rate_limited warnings");
          return ws_shutdown(1008, "rate limited");
        case flood_verdict::warn:
          return ws_queue(sh_.maker().text(encode_ws_error(
              "rate_limited", "too many messages: slow down or the connection closes")));
      }
      auto s = ws_->session;  // the session may close this conn
      try {
        if (opcode == op::text) {
          s->on_client_text(payload);
        } else {
          s->on_client_binary();
        }
      } catch (const std::exception& e) {
        owner().log(log_level::error, std::string("client message failed: ") + e.what());
      }
      return;
    }
    case op::ping:
      if (ph_ == phase::ws_open && judge_control(now)) ws_queue(sh_.maker().pong(payload));
      return;
    case op::pong:
      ws_->ping.answered(now);
      if (ph_ == phase::ws_open) judge_control(now);
      return;
    case op::close: {
      ws_->peer_closed = true;
      if (!ws_->close_sent) {
        int code = 0;
        if (payload.size() >= 2) {
          code = (static_cast<unsigned char>(payload[0]) << 8) |
                 static_cast<unsigned char>(payload[1]);
          const auto v = static_cast<websocketpp::close::status::value>(code);
          if (websocketpp::close::status::invalid(v) || websocketpp::close::status::reserved(v)) {
            code = 1002;
          }
        }
        ws_close_reply(code);
      } else if (all_sent() && !writing_) {
        close_socket();
      }
      return;
    }
    default:
      return;
  }
}

// A ping or pong against the connection's control bucket (flood_policy):
// true to answer it. A refused one gets a rate_limited error (the usual
// warnings); a client that keeps flooding is closed with 1008.
bool conn::judge_control(clock::time_point now) {
  switch (owner().judge_control(ws_->flood, now)) {
    case flood_verdict::accept:
      return true;
    case flood_verdict::ignore:
      return false;
    case flood_verdict::close:
      owner().log(log_level::warn,
                  "closing a WebSocket that kept flooding control frames after rate_limited "
                  "warnings");
      ws_shutdown(1008, "rate limited");
      return false;
    case flood_verdict::warn:
      ws_queue(sh_.maker().text(
          encode_ws_error("rate_limited", "too many pings: slow down or the connection closes")));
      return false;
  }
  return false;
}

// Echoes the peer's close (its code, or none) and closes once it is out.
void conn::ws_close_reply(int code) {
  if (ws_->session) ws_->session->stop();
  out_.drop_unstarted();
  ws_->close_sent = true;
  queue(sh_.maker().close(code, ""));
  ph_ = phase::ws_closing;
  since_ = clock::now();
  if (all_sent() && !writing_) close_socket();
}

void conn::ws_send_text(const std::shared_ptr<const std::string>& text) {
  if (ph_ != phase::ws_open) return;
  ws_queue(sh_.maker().text(*text));
}

void conn::ws_send_event(const event& e) {
  if (ph_ != phase::ws_open || !e.json) return;
  out_queue::bytes f = sh_.event_frame(e.json);
  ws_queue(f ? std::move(f) : sh_.maker().text(*e.json));
}

// Queues a frame; past the backlog limit (replies and pongs count too, not
// only events) the client is a slow consumer.
// Each budget_step of growth also has the global budget checked at once:
// between two sweeps the backlogs may grow fast.
void conn::ws_queue(out_queue::bytes b) {
  const std::size_t before = unsent_bytes();
  queue(std::move(b));
  if (ph_ != phase::ws_open) return;
  const std::size_t after = unsent_bytes();
  if (after > owner().options().backlog_limit) return cut_slow_consumer({});
  if (before / shard::budget_step != after / shard::budget_step) sh_.request_budget_check();
}

std::size_t conn::ws_backlog() const noexcept {
  if (ph_ != phase::ws_open) return 0;
  const std::size_t own = unsent_bytes();
  const std::size_t session = ws_->session ? ws_->session->backlog_bytes() : 0;
  return own > session ? own : session;
}

// SPEC §3's rule, by the transport: counted as a dropped subscriber, then
// 1008 "slow consumer" (unsent output dropped, close frame, grace).
void conn::cut_slow_consumer(std::string_view why) {
  if (ph_ != phase::ws_open) return;
  if (!why.empty()) {
    const std::string id = ws_->session ? ws_->session->client_id() : std::string("-");
    owner().log(log_level::warn, std::string(why) + "; client_id " + id);
  }
  if (auto* bus = owner().context() ? owner().context()->bus : nullptr) {
    bus->note_dropped_subscriber();
  }
  ws_shutdown(1008, "slow consumer");
}

void conn::ws_close(int code, std::string_view reason) {
  if (!ws_ || ph_ != phase::ws_open) return;
  // A slow consumer (1008 "slow consumer") loses what was never handed to
  // the kernel (SPEC §3): its close frame follows the bytes already sent.
  // Other closes (1001 on stop, revocation, 1008 "rate limited") keep the
  // frames queued before them: server_stopping, the last error replies.
  if (code == 1008 && reason == "slow consumer") out_.drop_unstarted();
  ws_->close_sent = true;
  ph_ = phase::ws_closing;
  since_ = clock::now();
  queue(sh_.maker().close(code, reason));
}

void conn::ws_shutdown(int code, std::string_view reason) {
  if (!ws_ || ph_ != phase::ws_open) return;
  if (auto s = ws_->session) {
    s->close(code, reason);  // stops, then calls ws_close through the link
  }
  ws_close(code, reason);  // no session, or it had closed already
}

void conn::ws_fail(int code, std::string_view reason) {
  ws_->input_dead = true;
  ws_shutdown(code, reason);
}

bool conn::ws_peer_closed() const noexcept { return ws_ && ws_->peer_closed; }

void conn::ws_tick(clock::time_point now) {
  if (ph_ == phase::ws_closing) {
    if (now - since_ >= server::close_grace) close_socket();
    return;
  }
  const auto& o = owner().options();
  if (ws_->ping.outstanding) {
    if (o.pong_timeout.count() > 0 && now - ws_->ping_sent >= o.pong_timeout) {
      owner().log(log_level::info, "closing a WebSocket that stopped answering pings");
      ws_shutdown(1001, "ping timeout");
    }
    return;
  }
  if (owner().pings().due(ws_->ping, now)) {
    ws_->ping.outstanding = true;
    ws_->ping_sent = now;
    queue(sh_.maker().ping());
  }
}

const std::string& conn::principal() const noexcept {
  static const std::string none;
  return ws_ ? ws_->principal : none;
}

void conn::end_websocket() noexcept {
  if (ws_->session) {
    ws_->session->stop();
    ws_->session.reset();
  }
  if (ws_->counted) {
    ws_->counted = false;
    owner().release_websocket(address_);
  }
}

}  // namespace sensorhub::ws_detail

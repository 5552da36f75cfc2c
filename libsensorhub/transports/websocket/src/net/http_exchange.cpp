// SPDX-License-Identifier: MIT
// The HTTP/1.1 side of a connection (SPEC §9): one request at a time from
// the parser, decisions on the head before any body byte is read, the body
// (decoded) up to the limit the head check set, the handler's answer
// written in request order, keep-alive and pipelining, and the upgrade to a
// WebSocket.
#include <algorithm>
#include <cstdint>
#include <exception>
#include <limits>
#include <utility>

#include "http/http1_writer.hpp"
#include "net/conn.hpp"
#include "net/conn_state.hpp"
#include "net/server.hpp"
#include "net/shard.hpp"

namespace sensorhub::ws_detail {
http_response transport_error(int status, std::string_view detail) {
  errc code = errc::invalid_parameter;
  if (status == 413) code = errc::payload_too_large;
  if (status == 411) code = errc::length_required;
  if (status == 503) code = errc::unavailable;
  if (status >= 500 && status != 503 && status != 505 && status != 501) code = errc::internal;
  http_response r = error_response(code, detail);
  r.status = status;
  return r;
}

namespace {

// A chunked body's budget is taken in steps of this much.
constexpr std::size_t chunked_budget_step = 64u << 10;
// Past this many unsent bytes of answers the next pipelined request waits
// (and the connection is not read) until they are sent: a client that
// pipelines requests and never reads cannot make answers pile up.
constexpr std::size_t unread_answers_limit = 64u << 10;

// The shared state of one http_responder: answers at most once, on the
// connection's thread; if every copy is dropped unanswered, a 500 goes out
// so the connection is never stuck.
struct pending_answer {
  std::weak_ptr<conn> target;
  std::weak_ptr<shard> where;
  std::atomic<bool> done{false};

  void send(http_response r) {
    if (done.exchange(true)) return;
    auto s = where.lock();
    if (!s) return;
    s->post_urgent([w = target, r = std::move(r)] {
      if (auto c = w.lock()) c->finish_http(r);
    });
  }
  ~pending_answer() {
    if (done.load()) return;
    try {
      send(error_response(errc::internal, "the request was not answered"));
    } catch (...) {  // destructors never throw
    }
  }
};

}  // namespace

void conn::on_http_bytes(const char* data, std::size_t len) {
  while (http_ && len != 0 &&
         (ph_ == phase::http_head || ph_ == phase::http_idle || ph_ == phase::http_body)) {
    if (ph_ == phase::http_idle) {
      ph_ = phase::http_head;
      since_ = clock::now();
    }
    const auto st = http_->parser.feed(data, len);
    data += st.consumed;
    len -= st.consumed;
    // A chunked body takes its budget as it grows (by at most one read).
    if (ph_ == phase::http_body && http_->parser.chunked() &&
        !hold_body(http_->parser.request().body.size(), chunked_budget_step)) {
      return;  // refused and closing
    }
    switch (st.st) {
      case http1_parser::state::need_more:
        break;
      case http1_parser::state::head_ready:
        if (!on_head()) return;  // refused and closing
        break;
      case http1_parser::state::message_done:
        if (http_->early) {  // refused on its head, no body: answer, go on
          const http_response r = std::move(*http_->early);
          http_->early.reset();
          write_http(r, http_->keep_alive && !owner().stopping(), http_->head_only);
          if (ph_ == phase::draining) return;
          http_->parser.next();
          since_ = clock::now();
          if (unsent_bytes() > unread_answers_limit) {  // answers left unread
            ph_ = phase::http_busy;
            http_->awaiting_drain = true;
            http_->stash.assign(data, len);
            return;
          }
          ph_ = phase::http_idle;
          break;
        }
        http_->stash.assign(data, len);
        return dispatch();
      case http1_parser::state::upgrade:
        return on_upgrade(data, len);
      case http1_parser::state::failed:
        return refuse_http(
            transport_error(http_->parser.error_status(), http_->parser.error_detail()), true);
    }
  }
}

// The head is complete: decide before reading the body. False when the
// request was refused and the connection is closing.
bool conn::on_head() {
  http1_parser& p = http_->parser;
  http_request& req = p.request();
  req.remote_address = address_;
  http_->keep_alive = p.keep_alive();
  http_->head_only = req.head;
  http_->version_minor = req.version_minor;
  since_ = clock::now();

  std::optional<http_response> refusal = owner().refuse_request();
  if (!refusal) {
    refusal = owner().refuse_missing_length(req.method, p.chunked(),
                                            !req.header("content-length").empty());
  }
  std::size_t max_body = owner().options().max_http_body_size;
  const auto& check = owner().options().http_head_check;
  if (!refusal && check) {
    try {
      refusal = check(req, max_body);
    } catch (const std::exception& e) {
      owner().log(log_level::error, std::string("http head check threw: ") + e.what());
      refusal = error_response(errc::internal, "internal error");
    }
  }
  if (refusal) {
    if (p.has_body()) {  // its body is never read: answer and close
      refuse_http(*refusal, true);
      return false;
    }
    http_->early = std::move(refusal);
    p.continue_body(0);
    return true;
  }
  p.continue_body(max_body);
  if (p.has_body() && !p.chunked() && p.content_length() > max_body) {
    refuse_http(transport_error(
                    413, "request body over the limit of " + std::to_string(max_body) + " bytes"),
                true);
    return false;
  }
  if (p.has_body() && !p.chunked()) {
    if (!hold_body(p.content_length(), 1)) return false;
    // Budgeted: the whole body's room at once (pages come as bytes do), so
    // growing never holds twice the body while it is copied.
    req.body.reserve(static_cast<std::size_t>(p.content_length()));
  }
  if (p.expects_continue() && p.has_body()) queue(std::make_shared<std::string>(http1_continue()));
  ph_ = phase::http_body;
  return true;
}

void conn::dispatch() {
  ph_ = phase::http_busy;
  const auto& handler = owner().options().http_handler;
  if (!handler) return finish_http(error_response(errc::not_found, "not found"));
  auto p = std::make_shared<pending_answer>();
  p->target = weak_from_this();
  p->where = sh_.weak_from_this();
  http_responder respond = [p](http_response r) { p->send(std::move(r)); };
  try {
    handler(http_->parser.request(), respond);
  } catch (const std::exception& e) {
    owner().log(log_level::error, std::string("http handler threw: ") + e.what());
    respond(error_response(errc::internal, "internal error"));
  } catch (...) {
    respond(error_response(errc::internal, "internal error"));
  }
}

void conn::finish_http(const http_response& r) {
  if (ph_ != phase::http_busy || !http_) return;  // closed meanwhile
  const bool keep = http_->keep_alive && !peer_eof_ && !owner().stopping();
  if (r.stream) return start_stream(r, keep);
  write_http(r, keep, http_->head_only);
  if (ph_ == phase::draining || ph_ == phase::closed) return;
  resume_http();
}

void conn::write_http(const http_response& r, bool keep_alive, bool head_only) {
  queue(std::make_shared<std::string>(
      write_http1_response(r, http_->version_minor, keep_alive, head_only)));
  if (!keep_alive) drain_then_close();
}

// Takes the request body's budget up to `total` bytes. False when it does
// not fit: answered 503 with Retry-After, the body is never read, closing.
bool conn::hold_body(std::uint64_t total, std::size_t step) {
  body_reservation& hold = http_->body_hold;
  if (hold.held() == 0) hold = owner().reserve_body();
  const auto want = static_cast<std::size_t>(
      std::min<std::uint64_t>(total, std::numeric_limits<std::size_t>::max()));
  if (hold.grow_to(want, step)) return true;
  hold.release();
  http_response r = transport_error(503, "too many request bodies in progress; retry shortly");
  r.headers.emplace_back("Retry-After", "1");
  owner().log(log_level::warn, "request body refused: the body budget of " +
                                   std::to_string(owner().options().max_buffered_body_bytes) +
                                   " bytes is in use");
  refuse_http(r, true);
  return false;
}

// How much one recv() may take: reading a head (or a chunked body, whose
// end is not known), at most max_header_bytes; a Content-Length body, at
// most its rest plus max_header_bytes. So the bytes read past a complete
// request (the pipelining stash) are never more than max_header_bytes.
std::size_t conn::read_size() const noexcept {
  const std::size_t rx = sh_.rx_size();
  if (!http_ || ws_) return rx;
  const std::size_t ahead = owner().options().max_header_bytes;
  switch (ph_) {
    case phase::http_head:
    case phase::http_idle:
      return std::min(rx, ahead);
    case phase::http_body: {
      http1_parser& p = http_->parser;  // (unique_ptr: not const here)
      if (p.chunked()) return std::min(rx, ahead);
      const std::uint64_t rest = p.content_length() - p.request().body.size();
      return static_cast<std::size_t>(std::min<std::uint64_t>(rx, rest + ahead));
    }
    default:
      return rx;
  }
}

// The answer is queued: the next request, from the stash first; unless
// the client leaves its answers unread, then not before they are sent.
void conn::resume_http() {
  http_->parser.next();
  http_->body_hold.release();
  since_ = clock::now();
  if (unsent_bytes() > unread_answers_limit) {
    http_->awaiting_drain = true;  // phase stays http_busy: nothing is read
    return;
  }
  ph_ = phase::http_idle;
  next_request();
}

// The answers a pipelining client left unread are sent (conn::after_drain).
void conn::answers_drained() {
  if (!http_ || !http_->awaiting_drain || ph_ != phase::http_busy) return;
  http_->awaiting_drain = false;
  ph_ = phase::http_idle;
  since_ = clock::now();
  next_request();
}

void conn::next_request() {
  if (!http_->stash.empty()) {
    const std::string rest = std::move(http_->stash);
    http_->stash.clear();
    on_http_bytes(rest.data(), rest.size());
  }
  arm_read();
}

void conn::refuse_http(const http_response& r, bool close_after) {
  if (!http_) return close_socket();
  const bool keep = !close_after && http_->keep_alive;
  write_http(r, keep, http_->head_only);
}

void conn::on_upgrade(const char* rest, std::size_t len) {
  http_request& req = http_->parser.request();
  req.remote_address = address_;
  http_->keep_alive = false;
  http_->version_minor = req.version_minor;
  if (auto refusal = owner().refuse_request()) return refuse_http(*refusal, true);
  std::string upgrade = req.header("upgrade");
  for (auto& ch : upgrade) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (upgrade != "websocket") {
    return refuse_http(transport_error(400, "only WebSocket upgrades are served"), true);
  }
  upgrade_verdict v = owner().check_upgrade(req);
  if (v.refusal) return refuse_http(*v.refusal, true);
  const std::string key = req.header("sec-websocket-key");
  http_request head = std::move(req);
  open_websocket(head, std::move(v.grant.principal), key, std::move(v.grant.session));
  if (ws_ && len != 0) on_ws_bytes(rest, len);
}

}  // namespace sensorhub::ws_detail

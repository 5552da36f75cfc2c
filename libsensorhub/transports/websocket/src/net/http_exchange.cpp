// The HTTP/1.1 side of a connection (SPEC §9): one request at a time from
// the parser, decisions on the head before any body byte is read, the body
// (decoded) up to the limit the head check set, the handler's answer
// written in request order, keep-alive and pipelining, and the upgrade to a
// WebSocket.
#include <exception>
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
          ph_ = phase::http_idle;
          since_ = clock::now();
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

// The answer is queued: the next request, from the stash first.
void conn::resume_http() {
  http_->parser.next();
  ph_ = phase::http_idle;
  since_ = clock::now();
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

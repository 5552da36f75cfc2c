// SPDX-License-Identifier: MIT
#include "sensorhub/transports/sse.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/protocol/query_params.hpp"
#include "sensorhub/protocol/session_query.hpp"
#include "sensorhub/transports/session_registry.hpp"
#include "sse_connection.hpp"

namespace sensorhub {

using sse_detail::sse_connection;
using sse_detail::sse_link;

// The streams' shared state. Held by the transport and by every stream
// callback (a stream may start after the transport is gone: it then gets
// nothing and its front ends it).
struct sse_transport::impl : std::enable_shared_from_this<sse_transport::impl> {
  explicit impl(sse_options o) : opts(o) {}

  void start_stream(std::shared_ptr<http_stream> stream, const session_options& so,
                    std::string principal);
  void open_session(const std::shared_ptr<sse_connection>& conn,
                    const std::shared_ptr<sse_link>& link, const session_options& so);
  void tick();
  void ticker_loop();

  const sse_options opts;
  session_registry sessions;
  std::shared_ptr<serial_executor> executor;

  std::mutex m;  // lifecycle
  std::condition_variable cv;
  bool started = false;
  bool stopping = false;
  std::thread ticker;

  // Executor thread only: the streams the keepalive tick visits.
  std::vector<std::weak_ptr<sse_connection>> live;
};

namespace {

// Last-Event-ID (EventSource's reconnect) wins over since and snapshot; an
// empty one is no id (the SSE spec's reset value).
void apply_last_event_id(const http_request& req, session_options& so) {
  const auto it = req.headers.find("last-event-id");
  if (it == req.headers.end() || it->second.empty()) return;
  const auto id = parse_uint(it->second);
  if (!id) throw error(errc::invalid_parameter, "Last-Event-ID: must be a non-negative integer");
  so.since = *id;
  so.snapshot = false;
}

}  // namespace

void sse_transport::impl::start_stream(std::shared_ptr<http_stream> stream,
                                       const session_options& so, std::string principal) {
  auto link = std::make_shared<sse_link>();
  auto conn = std::make_shared<sse_connection>(stream, executor, link, std::move(principal));
  // The client left (or the front stopped): the session stops and lets go.
  stream->on_close([link] {
    if (auto s = link->take()) s->stop();
  });
  stream->on_backlog([link](std::size_t bytes) {
    if (auto s = link->get()) s->set_transport_backlog(bytes);
  });
  // Not on this (network) thread: the session's start runs on its own.
  std::weak_ptr<impl> self = weak_from_this();
  const bool queued = executor->post([self, conn, link, so] {
    if (auto me = self.lock()) me->open_session(conn, link, so);
  });
  if (!queued) stream->end();  // stopped meanwhile
}

void sse_transport::impl::open_session(const std::shared_ptr<sse_connection>& conn,
                                       const std::shared_ptr<sse_link>& link,
                                       const session_options& so) {
  auto s = sessions.open_here(conn, so);
  if (!s) return;  // stopping: the connection was closed
  if (!link->attach(s)) {
    s->stop();  // the client left before its session started
    return;
  }
  live.push_back(conn);
}

void sse_transport::impl::tick() {
  const auto now = sse_connection::clock::now();
  const auto interval =
      std::chrono::duration_cast<sse_connection::clock::duration>(opts.keepalive_interval);
  live.erase(std::remove_if(live.begin(), live.end(),
                            [&](const std::weak_ptr<sse_connection>& w) {
                              auto c = w.lock();
                              if (!c || c->ended()) return true;
                              c->keepalive(now, interval);
                              return false;
                            }),
             live.end());
}

// Every quarter interval: streams silent for a whole one get a comment.
void sse_transport::impl::ticker_loop() {
  const auto step = std::max(opts.keepalive_interval / 4, std::chrono::milliseconds(10));
  std::unique_lock<std::mutex> lk(m);
  while (!cv.wait_for(lk, step, [this] { return stopping; })) {
    lk.unlock();
    executor->post([this] { tick(); });
    lk.lock();
  }
}

sse_transport::sse_transport(sse_options opts) : impl_(std::make_shared<impl>(opts)) {}

sse_transport::~sse_transport() { stop(); }

void sse_transport::start(const transport_context& ctx) {
  std::lock_guard<std::mutex> lk(impl_->m);
  if (impl_->started) return;
  impl_->executor = std::make_shared<serial_executor>(ctx.log ? ctx.log : stderr_log_sink());
  impl_->sessions.start(ctx);
  impl_->ticker = std::thread([me = impl_.get()] { me->ticker_loop(); });
  impl_->started = true;
}

void sse_transport::stop() noexcept {
  {
    std::lock_guard<std::mutex> lk(impl_->m);
    if (!impl_->started || impl_->stopping) return;
    impl_->stopping = true;
  }
  impl_->cv.notify_all();
  if (impl_->ticker.joinable()) impl_->ticker.join();
  // Each session's close(1001) queues behind what its stream already has
  // (server_stopping); the executor runs them all, each ending its stream.
  impl_->sessions.stop();
  impl_->executor->stop();
}

http_response sse_transport::open(const http_request& req, const data_scope& scope,
                                  std::string principal) {
  {
    std::lock_guard<std::mutex> lk(impl_->m);
    if (!impl_->started || impl_->stopping) {
      return error_response(errc::unavailable, "the event stream is not available");
    }
  }
  session_options so;
  try {
    so = parse_session_query(req.query).session;
    apply_last_event_id(req, so);
  } catch (const error& e) {
    return error_response(e.code(), e.what());
  }
  so.scope = scope;
  so.backlog_limit = impl_->opts.backlog_limit;

  http_response r;
  r.status = 200;
  r.content_type = "text/event-stream";
  r.headers = {{"Cache-Control", "no-cache"}, {"X-Accel-Buffering", "no"}};
  std::weak_ptr<impl> w = impl_;
  r.stream = [w, so, principal = std::move(principal)](std::shared_ptr<http_stream> stream) {
    if (auto me = w.lock()) {
      me->start_stream(std::move(stream), so, principal);
    } else {
      stream->end();
    }
  };
  return r;
}

void sse_transport::close_principal(const std::string& principal) {
  {
    std::lock_guard<std::mutex> lk(impl_->m);
    if (!impl_->started || impl_->stopping) return;
  }
  std::weak_ptr<impl> w = impl_;
  impl_->executor->post([w, principal] {
    auto me = w.lock();
    if (!me) return;
    for (const auto& weak : me->live) {
      if (auto c = weak.lock()) c->close_if(principal);
    }
  });
}

std::size_t sse_transport::streams() const { return impl_->sessions.size(); }

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "sensorhub/transports/session_registry.hpp"

#include <algorithm>
#include <future>
#include <utility>

#include "sensorhub/error.hpp"

namespace sensorhub {

session_registry::~session_registry() { stop(); }

void session_registry::start(const transport_context& ctx) {
  std::lock_guard<std::mutex> lk(m_);
  ctx_ = ctx;
  started_ = true;
}

std::shared_ptr<session> session_registry::create(const std::shared_ptr<connection>& conn,
                                                  const session_options& opts,
                                                  transport_context& ctx) {
  if (!conn) throw error(errc::internal, "session_registry: no connection");
  {
    std::lock_guard<std::mutex> lk(m_);
    if (!started_) throw error(errc::unavailable, "transport not started");
    if (!stopping_) {
      auto s = std::make_shared<session>(ctx_, conn, opts.backlog_limit);
      auto& v = sessions_;
      v.erase(std::remove_if(v.begin(), v.end(), [](const auto& w) { return w.expired(); }),
              v.end());
      v.push_back(s);
      ctx = ctx_;
      return s;
    }
  }
  conn->close(1001, "going away");
  return nullptr;
}

std::shared_ptr<session> session_registry::open(std::shared_ptr<connection> conn,
                                                const session_options& opts) {
  transport_context ctx;
  auto s = create(conn, opts, ctx);
  if (!s) return nullptr;
  auto started = std::make_shared<std::promise<bool>>();
  auto done = started->get_future();
  conn->post([s, opts, log = ctx.log, started = std::move(started)] {
    try {
      s->start(opts);
      started->set_value(true);
    } catch (...) {
      log_to(log, log_level::error, describe("session start failed", std::current_exception()));
      s->close(1011, "internal error");
      started->set_value(false);
    }
  });
  bool ok = false;
  try {
    ok = done.get();  // a dropped post breaks the promise
  } catch (const std::future_error&) {
    ok = false;
  }
  if (ok) return s;
  s->stop();
  return nullptr;
}

std::shared_ptr<session> session_registry::open_here(std::shared_ptr<connection> conn,
                                                     const session_options& opts) {
  transport_context ctx;
  auto s = create(conn, opts, ctx);
  if (!s) return nullptr;
  try {
    s->start(opts);
  } catch (...) {
    log_to(ctx.log, log_level::error, describe("session start failed", std::current_exception()));
    s->close(1011, "internal error");
    return nullptr;
  }
  return s;
}

void session_registry::stop() noexcept {
  std::vector<std::shared_ptr<session>> live;
  {
    std::lock_guard<std::mutex> lk(m_);
    if (stopping_) return;
    stopping_ = true;
    for (auto& w : sessions_) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
    sessions_.clear();
  }
  for (auto& s : live) {
    try {
      // Behind whatever the connection has queued (e.g. a server_stopping
      // event on its way out); close() unsubscribes first.
      s->post_close(1001, "going away");
    } catch (...) {  // out of memory: stop at least, the owner closes the socket
      s->stop();
    }
  }
}

std::size_t session_registry::size() const {
  std::lock_guard<std::mutex> lk(m_);
  return static_cast<std::size_t>(std::count_if(sessions_.begin(), sessions_.end(),
                                                [](const auto& w) { return !w.expired(); }));
}

}  // namespace sensorhub

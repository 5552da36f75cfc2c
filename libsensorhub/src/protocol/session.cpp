// SPDX-License-Identifier: MIT
#include "sensorhub/session.hpp"

#include <algorithm>
#include <cstdio>
#include <random>
#include <utility>

#include "protocol/session_state.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/protocol.hpp"
#include "sensorhub/time.hpp"

namespace sensorhub {

namespace {

std::string random_client_id() {
  std::random_device rd;
  const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

hub_stats current_stats(const transport_context& ctx) {
  if (ctx.stats) return ctx.stats();
  return ctx.bus ? ctx.bus->stats() : hub_stats{};
}

std::shared_ptr<const std::string> text_of(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

}  // namespace

session::session(const transport_context& ctx, std::shared_ptr<connection> conn,
                 std::size_t backlog_limit)
    : session(std::make_shared<const transport_context>(ctx), std::move(conn), backlog_limit) {}

session::session(std::shared_ptr<const transport_context> ctx, std::shared_ptr<connection> conn,
                 std::size_t backlog_limit)
    : queued_subscriber(backlog_limit),
      ctx_(std::move(ctx)),
      conn_(std::move(conn)),
      client_id_(random_client_id()),
      st_(std::make_unique<state>(backlog_limit)) {
  if (!conn_) throw error(errc::internal, "session needs a connection");
  if (!ctx_) throw error(errc::internal, "session needs a transport context");
  if (ctx_->bus != nullptr) measure_queue_time(ctx_->bus->queue_time_histogram());
}

session::~session() = default;

std::vector<channel> session::channels() const {
  std::lock_guard<std::mutex> lk(st_->m);
  std::vector<channel> out;
  out.reserve(st_->chans.size());
  for (const auto& cs : st_->chans) out.push_back(cs.c);
  return out;
}

void session::send(std::shared_ptr<const std::string> text) {
  conn_->send_text(std::move(text));
  set_transport_backlog(conn_->buffered_bytes());
}

void session::send(const event& e) {
  conn_->send_event(e);
  set_transport_backlog(conn_->buffered_bytes());
}

void session::start(const session_options& opts) {
  std::vector<channel> chans;
  for (channel c : opts.channels) {
    if (std::find(chans.begin(), chans.end(), c) == chans.end()) chans.push_back(c);
  }
  if (chans.empty()) chans.push_back(channel::general);
  st_->scope = opts.scope;
  if (opts.conflate) {
    for (channel c : chans) set_conflate(c, true);
  }

  // Subscribe before anything else (and before reading history): every
  // event is then either in the history read or in the live queue, or both
  // (deduplicated by seq). Queued events wait until the greeting is out.
  for (channel c : chans) add_channel(c, opts.filter, std::nullopt, false);

  // The greeting's stats carry last_seq, read after subscribing: live
  // events are those committed after it. An event committed earlier but
  // published later (a hub that publishes asynchronously) is not live for
  // this client; a since replay or a snapshot takes over from here instead.
  const hub_stats st = current_stats(*ctx_);
  if (!opts.snapshot && !opts.since) set_live_floor(chans, st.last_seq);
  send(text_of(encode_connection_established(client_id_, chans, ctx_->server, now())));
  send(text_of(encode_stats_message(st, now())));

  if (opts.snapshot) {  // wins over since (see session_options)
    send_snapshot(chans, opts.filter);
    return;
  }
  if (opts.since) {
    replay(*opts.since, chans, opts.filter);
    return;
  }
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->ph != session_phase::greeting) return;
    st_->ph = session_phase::live;
  }
  pump();
}

void session::add_channel(channel c, const event_filter& f, std::optional<std::uint64_t> since,
                          bool snapshot) {
  bool exists = false;
  bool greeting = false;  // start() sets the floor of its own channels
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->ph == session_phase::closed) return;
    greeting = st_->ph == session_phase::greeting;
    if (auto* cs = st_->find(c)) {
      cs->sub.set_filter(f);  // on the bus: the next publish uses it
      exists = true;
    }
  }
  if (!exists && ctx_->bus != nullptr) {
    // The scope stays on the bus side for this subscription's life; a later
    // set_filter changes only the filter, ANDed with it.
    subscription sub = ctx_->bus->subscribe_scoped(c, shared_from_this(), f, st_->scope);
    std::unique_lock<std::mutex> lk(st_->m);
    if (st_->ph == session_phase::closed) {
      lk.unlock();
      sub.reset();
      return;
    }
    state::chan_state cs;
    cs.c = c;
    cs.sub = std::move(sub);
    st_->chans.push_back(std::move(cs));
  }
  if (snapshot) {
    send_snapshot({c}, f);
  } else if (since) {
    replay(*since, {c}, f);
  } else if (!exists && !greeting && ctx_->repo != nullptr) {
    set_live_floor({c}, ctx_->repo->last_seq());  // a channel added by `subscribe`
  }
}

void session::set_live_floor(const std::vector<channel>& chans, std::uint64_t seq) {
  std::lock_guard<std::mutex> lk(st_->m);
  for (channel c : chans) {
    if (auto* cs = st_->find(c)) cs->last_seq = std::max(cs->last_seq, seq);
  }
}

void session::pump() {
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->ph != session_phase::live) return;  // replaying: live events stay queued
  }
  const auto send_live = [this](const event& e) {
    bool deliver = false;
    {
      std::lock_guard<std::mutex> lk(st_->m);
      if (st_->ph != session_phase::live) return;
      if (auto* cs = st_->find(e.chan)) {
        if (e.seq == 0) {
          deliver = true;
        } else if (e.seq > cs->last_seq) {
          cs->last_seq = e.seq;
          deliver = true;
        }
      }
    }
    if (deliver) send(e);
  };
  if (!conflating()) {
    drain(send_live);  // the fast path: everything goes to the connection at once
    return;
  }
  // What the connection does not take yet stays queued and replaceable;
  // set_transport_backlog wakes us when it has room again.
  drain_while([this] { return conn_->buffered_bytes() < handoff_watermark; }, send_live);
}

void session::on_conflated(channel c) noexcept {
  if (ctx_->bus != nullptr) ctx_->bus->note_conflated(c);
}

void session::wake() {
  conn_->post([w = weak_from_this()] {
    if (auto s = w.lock()) s->pump();
  });
}

void session::on_overflow() {
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->dropped || st_->ph == session_phase::closed) return;
    st_->dropped = true;
  }
  if (ctx_->bus != nullptr) ctx_->bus->note_dropped_subscriber();
  post_close(1008, "slow consumer");
}

void session::post_close(int code, std::string reason) {
  conn_->post([w = weak_from_this(), code, reason = std::move(reason)] {
    if (auto s = w.lock()) s->close(code, reason);
  });
}

void session::close(int code, std::string_view reason) {
  bool send_close = false;
  {
    std::lock_guard<std::mutex> lk(st_->m);
    send_close = !st_->close_sent;
    st_->close_sent = true;
  }
  stop();  // unsubscribed before the client can see the close
  if (send_close) conn_->close(code, reason);
}

void session::on_client_text(std::string_view text) {
  if (!st_->open()) return;
  client_message msg;
  try {
    msg = parse_client_message(text);
  } catch (const error& e) {  // a validation_error's what() names each field
    send(text_of(encode_ws_error(
        e.code() == errc::invalid_json ? "invalid_json" : "invalid_message", e.what())));
    return;
  } catch (const std::exception& e) {
    send(text_of(encode_ws_error("invalid_message", e.what())));
    return;
  }

  switch (msg.type) {
    case client_message_type::ping:
      send(text_of(encode_pong(now())));
      return;
    case client_message_type::get_stats:
      send(text_of(encode_stats_message(current_stats(*ctx_), now())));
      return;
    case client_message_type::subscribe:
      on_subscribe(msg);
      return;
    case client_message_type::unsubscribe:
      if (!msg.chan) {
        send(text_of(encode_ws_error("invalid_message", "unsubscribe needs a channel")));
        return;
      }
      on_unsubscribe(*msg.chan);
      return;
  }
}

void session::on_subscribe(const client_message& msg) {
  if (!msg.chan) {
    send(text_of(encode_ws_error("invalid_message", "subscribe needs a channel")));
    return;
  }
  if (msg.conflate) set_conflate(*msg.chan, *msg.conflate);
  add_channel(*msg.chan, msg.filter, msg.since, msg.snapshot);
  send(text_of(encode_subscribed(channels())));
}

void session::on_unsubscribe(channel c) {
  subscription old;
  {
    std::lock_guard<std::mutex> lk(st_->m);
    auto& v = st_->chans;
    auto it =
        std::find_if(v.begin(), v.end(), [&](const state::chan_state& cs) { return cs.c == c; });
    if (it != v.end()) {
      old = std::move(it->sub);
      v.erase(it);
    }
  }
  old.reset();
  set_conflate(c, false);  // a later subscribe starts afresh
  send(text_of(encode_unsubscribed(channels())));
}

void session::on_client_binary() {
  if (!st_->open()) return;
  send(text_of(
      encode_ws_error("unsupported_data", "binary frames are not supported; send JSON text")));
}

void session::stop() {
  std::vector<state::chan_state> old;
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->ph == session_phase::closed) return;
    st_->ph = session_phase::closed;
    old.swap(st_->chans);
  }
  st_->cv.notify_all();
  old.clear();  // unsubscribes, outside the lock
  close_queue();
}

}  // namespace sensorhub

#include "sensorhub/session.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <random>
#include <utility>

#include "sensorhub/error.hpp"
#include "sensorhub/protocol.hpp"
#include "sensorhub/repository.hpp"
#include "sensorhub/time.hpp"

namespace sensorhub {

namespace {

enum class phase { greeting, replaying, live, closed };

constexpr std::size_t replay_page_size = 1000;
// Replay flow control: a page is read only while fewer than this many pages
// wait for the session's thread AND the client's unsent backlog is at most
// half its limit, so a long history is never buffered whole and a client
// that reads slower than SQLite is paced instead of dropped.
constexpr int max_pages_in_flight = 2;
// How long a replay step waits for room before it gives its worker back.
constexpr std::chrono::milliseconds replay_wait{20};

std::string random_client_id() {
  std::random_device rd;
  const std::uint64_t v = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// A channel's current filter: read by the bus on the publishing thread,
// replaced by a client's "subscribe" on the session's thread. Replacing it in
// place (instead of re-subscribing) leaves neither a gap nor a duplicate.
class filter_slot {
 public:
  explicit filter_slot(event_filter f) : f_(std::make_shared<const event_filter>(std::move(f))) {}
  bool matches(const event& e) const {
    std::shared_ptr<const event_filter> cur;
    {
      std::lock_guard<std::mutex> lk(m_);
      cur = f_;
    }
    return cur->matches(e);
  }
  void set(event_filter f) {
    auto next = std::make_shared<const event_filter>(std::move(f));
    std::lock_guard<std::mutex> lk(m_);
    f_.swap(next);
  }

 private:
  mutable std::mutex m_;
  std::shared_ptr<const event_filter> f_;
};

hub_stats current_stats(const transport_context& ctx) {
  if (ctx.stats) return ctx.stats();
  return ctx.bus ? ctx.bus->stats() : hub_stats{};
}

}  // namespace

struct session::state {
  struct chan_state {
    channel c = channel::general;
    std::shared_ptr<filter_slot> filter;
    subscription sub;
    // Highest seq sent (or replayed) on this channel: live events at or below
    // it are duplicates of the replay and are dropped.
    std::uint64_t last_seq = 0;
  };

  explicit state(std::size_t limit) : backlog_limit(limit) {}

  bool open() {
    std::lock_guard<std::mutex> lk(m);
    return ph != phase::closed;
  }

  chan_state* find(channel c) {
    for (auto& cs : chans) {
      if (cs.c == c) return &cs;
    }
    return nullptr;
  }

  const std::size_t backlog_limit;
  std::mutex m;
  std::condition_variable cv;  // pages_in_flight fell, or closed
  phase ph = phase::greeting;
  std::vector<chan_state> chans;  // in subscription order
  int replays = 0;                // replays still running; live waits for 0
  int pages_in_flight = 0;
  bool dropped = false;  // closed as a slow consumer
};

session::session(const transport_context& ctx, std::size_t backlog_limit)
    : queued_subscriber(backlog_limit),
      ctx_(ctx),
      client_id_(random_client_id()),
      st_(std::make_unique<state>(backlog_limit)) {}

session::~session() = default;

std::vector<channel> session::channels() const {
  std::lock_guard<std::mutex> lk(st_->m);
  std::vector<channel> out;
  out.reserve(st_->chans.size());
  for (const auto& cs : st_->chans) out.push_back(cs.c);
  return out;
}

void session::start(const session_options& opts) {
  std::vector<channel> chans;
  for (channel c : opts.channels) {
    if (std::find(chans.begin(), chans.end(), c) == chans.end()) chans.push_back(c);
  }
  if (chans.empty()) chans.push_back(channel::general);

  // Subscribe before anything else (and before reading history): every
  // event is then either in the history read or in the live queue, or both
  // (deduplicated by seq). Queued events wait until the greeting is out.
  for (channel c : chans) add_channel(c, opts.filter, std::nullopt, false);

  send_text(std::make_shared<const std::string>(
      encode_connection_established(client_id_, chans, ctx_.server, now())));
  send_text(std::make_shared<const std::string>(encode_stats_message(current_stats(ctx_), now())));

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
    if (st_->ph != phase::greeting) return;
    st_->ph = phase::live;
  }
  pump();
}

void session::add_channel(channel c, const event_filter& f, std::optional<std::uint64_t> since,
                          bool snapshot) {
  bool exists = false;
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->ph == phase::closed) return;
    if (auto* cs = st_->find(c)) {
      cs->filter->set(f);
      exists = true;
    }
  }
  if (!exists && ctx_.bus != nullptr) {
    auto slot = std::make_shared<filter_slot>(f);
    event_filter bus_filter;
    bus_filter.predicate = [slot](const event& e) { return slot->matches(e); };
    subscription sub = ctx_.bus->subscribe(c, shared_from_this(), std::move(bus_filter));
    std::unique_lock<std::mutex> lk(st_->m);
    if (st_->ph == phase::closed) {
      lk.unlock();
      sub.reset();
      return;
    }
    state::chan_state cs;
    cs.c = c;
    cs.filter = std::move(slot);
    cs.sub = std::move(sub);
    st_->chans.push_back(std::move(cs));
  }
  if (snapshot) {
    send_snapshot({c}, f);
  } else if (since) {
    replay(*since, {c}, f);
  }
}

struct session::replay_cursor {
  std::uint64_t since;
  std::uint64_t cursor;
  std::vector<channel> chans;
  event_filter filter;
  bool truncation_checked = false;
};

void session::replay(std::uint64_t since, std::vector<channel> chans, event_filter f) {
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->ph == phase::closed) return;
    ++st_->replays;
    st_->ph = phase::replaying;
  }
  auto r = std::make_shared<replay_cursor>(
      replay_cursor{since, since, std::move(chans), std::move(f), false});
  auto self = shared_from_this();
  if (ctx_.run_blocking) {
    ctx_.run_blocking([self, r] { self->replay_step(r); });
  } else {
    replay_step(r);
  }
}

bool session::wait_for_replay_room() {
  state& st = *st_;
  std::unique_lock<std::mutex> lk(st.m);
  // The transport refreshes its part of the backlog as the socket drains;
  // page sends notify the cv, the timeout covers the rest.
  return st.cv.wait_for(lk, replay_wait, [&] {
    return st.ph == phase::closed ||
           (st.pages_in_flight < max_pages_in_flight && backlog_bytes() <= st.backlog_limit / 2);
  }) && st.ph != phase::closed;
}

void session::replay_step(std::shared_ptr<replay_cursor> r) {
  auto self = shared_from_this();
  state& st = *st_;
  // Without a worker pool the reader runs inline on this thread, which is
  // also the one that sends the pages: it must not wait for them.
  const bool throttle = static_cast<bool>(ctx_.run_blocking);
  try {
    repository* repo = ctx_.repo;
    if (repo != nullptr) {
      if (!r->truncation_checked) {
        r->truncation_checked = true;
        const std::uint64_t oldest = repo->oldest_seq();
        std::uint64_t first_kept = oldest;
        bool truncated = oldest != 0 && oldest > r->since + 1;
        if (oldest == 0) {
          const std::uint64_t last = repo->last_seq();
          truncated = last > r->since;  // history existed and is all gone
          first_kept = last + 1;
        }
        if (truncated) {
          post([self, first_kept] {
            if (self->st_->open()) {
              self->send_text(
                  std::make_shared<const std::string>(encode_resume_failed(first_kept)));
            }
          });
        }
      }
      for (;;) {
        if (!st.open()) return;
        if (throttle && !wait_for_replay_room()) {
          if (!st.open()) return;
          ctx_.run_blocking([self, r] { self->replay_step(r); });  // behind: yield the worker
          return;
        }
        event_query q;
        q.since = r->cursor;
        q.channels = r->chans;
        q.limit = replay_page_size;
        std::vector<event> page = repo->events(q);
        std::vector<event> out;
        out.reserve(page.size());
        for (auto& e : page) {
          r->cursor = std::max(r->cursor, e.seq);
          if (r->filter.matches(e)) out.push_back(std::move(e));
        }
        if (!out.empty()) {
          if (throttle) {
            std::lock_guard<std::mutex> lk(st.m);
            ++st.pages_in_flight;
          }
          post([self, out = std::move(out), throttle] {
            const bool open = self->st_->open();
            if (open) {
              for (const auto& e : out) self->send_event(e);
            }
            if (throttle) {
              std::lock_guard<std::mutex> lk(self->st_->m);
              --self->st_->pages_in_flight;
            }
            self->st_->cv.notify_all();
            // A client that does not read its replay is a slow consumer too.
            if (open && self->backlog_bytes() > self->st_->backlog_limit) self->on_overflow();
          });
        }
        if (page.size() < replay_page_size) break;
      }
    }
  } catch (...) {
    post([self] {
      if (self->st_->open()) self->close(1011, "history unavailable");
      self->stop();
    });
    return;
  }
  post([self, chans = r->chans, cursor = r->cursor] {
    {
      std::lock_guard<std::mutex> lk(self->st_->m);
      if (self->st_->ph == phase::closed) return;
      for (channel c : chans) {
        if (auto* cs = self->st_->find(c)) cs->last_seq = std::max(cs->last_seq, cursor);
      }
    }
    self->job_done();
  });
}

void session::send_snapshot(std::vector<channel> chans, event_filter f) {
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->ph == phase::closed) return;
    ++st_->replays;  // live events wait in the queue, as during a replay
    st_->ph = phase::replaying;
  }
  auto self = shared_from_this();
  auto job = [self, chans = std::move(chans), f = std::move(f)] {
    try {
      repository* repo = self->ctx_.repo;
      // The bus subscription is older than each read below: an event is
      // either in the snapshot (seq <= S) or queued live (seq > S), or both,
      // and the watermark S drops the duplicates.
      for (channel c : chans) {
        if (repo == nullptr || !self->st_->open()) break;
        const state_snapshot snap = repo->snapshot(c, f);
        auto text =
            std::make_shared<const std::string>(encode_snapshot(snap.seq, c, snap.data_json));
        self->post([self, c, seq = snap.seq, text = std::move(text)] {
          {
            std::lock_guard<std::mutex> lk(self->st_->m);
            if (self->st_->ph == phase::closed) return;
            auto* cs = self->st_->find(c);
            if (cs == nullptr) return;  // unsubscribed meanwhile
            cs->last_seq = std::max(cs->last_seq, seq);
          }
          self->send_text(text);
        });
      }
    } catch (...) {
      self->post([self] {
        if (self->st_->open()) self->close(1011, "snapshot unavailable");
        self->stop();
      });
      return;
    }
    self->post([self] { self->job_done(); });
  };

  if (ctx_.run_blocking) {
    ctx_.run_blocking(std::move(job));
  } else {
    job();
  }
}

void session::job_done() {
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->ph == phase::closed) return;
    if (--st_->replays != 0) return;
    st_->ph = phase::live;
  }
  pump();
}

void session::pump() {
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->ph != phase::live) return;  // replaying: live events stay queued
  }
  drain([this](const event& e) {
    bool send = false;
    {
      std::lock_guard<std::mutex> lk(st_->m);
      if (st_->ph != phase::live) return;
      if (auto* cs = st_->find(e.chan)) {
        if (e.seq == 0) {
          send = true;
        } else if (e.seq > cs->last_seq) {
          cs->last_seq = e.seq;
          send = true;
        }
      }
    }
    if (send) send_event(e);
  });
}

void session::wake() {
  post([w = weak_from_this()] {
    if (auto s = w.lock()) s->pump();
  });
}

void session::on_overflow() {
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->dropped || st_->ph == phase::closed) return;
    st_->dropped = true;
  }
  if (ctx_.bus != nullptr) ctx_.bus->note_dropped_subscriber();
  post([w = weak_from_this()] {
    if (auto s = w.lock()) {
      if (s->st_->open()) s->close(1008, "slow consumer");
      s->stop();
    }
  });
}

void session::on_client_text(std::string_view text) {
  if (!st_->open()) return;
  auto reply = [this](std::string msg) {
    send_text(std::make_shared<const std::string>(std::move(msg)));
  };
  client_message msg;
  try {
    msg = parse_client_message(text);
  } catch (const error& e) {  // a validation_error's what() names each field
    reply(encode_ws_error(e.code() == errc::invalid_json ? "invalid_json" : "invalid_message",
                          e.what()));
    return;
  } catch (const std::exception& e) {
    reply(encode_ws_error("invalid_message", e.what()));
    return;
  }

  switch (msg.type) {
    case client_message_type::ping:
      reply(encode_pong(now()));
      return;
    case client_message_type::get_stats:
      reply(encode_stats_message(current_stats(ctx_), now()));
      return;
    case client_message_type::subscribe:
      if (!msg.chan) {
        reply(encode_ws_error("invalid_message", "subscribe needs a channel"));
        return;
      }
      add_channel(*msg.chan, msg.filter, msg.since, msg.snapshot);
      reply(encode_subscribed(channels()));
      return;
    case client_message_type::unsubscribe: {
      if (!msg.chan) {
        reply(encode_ws_error("invalid_message", "unsubscribe needs a channel"));
        return;
      }
      subscription old;
      {
        std::lock_guard<std::mutex> lk(st_->m);
        auto& v = st_->chans;
        auto it = std::find_if(v.begin(), v.end(),
                               [&](const state::chan_state& cs) { return cs.c == *msg.chan; });
        if (it != v.end()) {
          old = std::move(it->sub);
          v.erase(it);
        }
      }
      old.reset();
      reply(encode_unsubscribed(channels()));
      return;
    }
  }
}

void session::on_client_binary() {
  if (!st_->open()) return;
  send_text(std::make_shared<const std::string>(
      encode_ws_error("unsupported_data", "binary frames are not supported; send JSON text")));
}

void session::stop() {
  std::vector<state::chan_state> old;
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->ph == phase::closed) return;
    st_->ph = phase::closed;
    old.swap(st_->chans);
  }
  st_->cv.notify_all();
  old.clear();  // unsubscribes, outside the lock
  close_queue();
}

}  // namespace sensorhub

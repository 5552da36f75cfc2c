// SPDX-License-Identifier: MIT
// The session's history step: resume (replay seq > since in pages, paced by
// the client) and snapshots, both before the session goes live.
#include <algorithm>
#include <utility>

#include "protocol/session_state.hpp"
#include "sensorhub/event_history.hpp"
#include "sensorhub/protocol.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub {

namespace {

constexpr std::size_t replay_page_size = 1000;
// Replay flow control: a page is read only while fewer than this many pages
// wait for the session's thread AND the client's unsent backlog is at most
// half its limit, so a long history is never buffered whole and a client
// that reads slower than SQLite is paced instead of dropped.
constexpr int max_pages_in_flight = 2;

// How long a replay step waits for room before it gives its worker back.
constexpr std::chrono::milliseconds replay_wait{20};

// Keeps the longest prefix of `page` within `max_bytes` of JSON (at least
// one event); true when something was cut off.
bool trim_page(std::vector<event>& page, std::size_t max_bytes) {
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < page.size(); ++i) {
    bytes += page[i].json ? page[i].json->size() : 0;
    if (i > 0 && bytes > max_bytes) {
      page.resize(i);
      return true;
    }
  }
  return false;
}

}  // namespace

struct session::replay_cursor {
  std::uint64_t since;
  std::uint64_t cursor;
  std::vector<channel> chans;
  event_filter filter;
  bool truncation_checked = false;
};

bool session::begin_job() {
  std::lock_guard<std::mutex> lk(st_->m);
  if (st_->ph == session_phase::closed) return false;
  ++st_->replays;  // live events wait in the queue until the job is done
  st_->ph = session_phase::replaying;
  return true;
}

void session::job_done() {
  {
    std::lock_guard<std::mutex> lk(st_->m);
    if (st_->ph == session_phase::closed) return;
    if (--st_->replays != 0) return;
    st_->ph = session_phase::live;
  }
  pump();
}

void session::replay(std::uint64_t since, std::vector<channel> chans, event_filter f) {
  if (!begin_job()) return;
  auto r = std::make_shared<replay_cursor>(
      replay_cursor{since, since, std::move(chans), std::move(f), false});
  auto self = shared_from_this();
  if (ctx_->run_blocking) {
    ctx_->run_blocking([self, r] { self->replay_step(r); });
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
    return st.ph == session_phase::closed ||
           (st.pages_in_flight < max_pages_in_flight && backlog_bytes() <= st.backlog_limit / 2);
  }) && st.ph != session_phase::closed;
}

void session::replay_step(std::shared_ptr<replay_cursor> r) {
  auto self = shared_from_this();
  // Without a worker pool the reader runs inline on this thread, which is
  // also the one that sends the pages: it must not wait for them.
  const bool throttle = static_cast<bool>(ctx_->run_blocking);
  try {
    if (ctx_->repo == nullptr) {
      replay_finished(*r);
      return;
    }
    check_truncation(*r);
    for (;;) {
      if (!st_->open()) return;
      if (throttle && !wait_for_replay_room()) {
        if (!st_->open()) return;
        ctx_->run_blocking([self, r] { self->replay_step(r); });  // behind: yield the worker
        return;
      }
      if (!replay_page(r, throttle)) break;
    }
  } catch (...) {
    log_to(ctx_->log, log_level::warn,
           describe("session " + client_id_ + ": replay failed", std::current_exception()));
    post_close(1011, "history unavailable");
    return;
  }
  replay_finished(*r);
}

void session::check_truncation(replay_cursor& r) {
  if (r.truncation_checked) return;
  r.truncation_checked = true;
  const std::uint64_t oldest = ctx_->repo->oldest_seq();
  std::uint64_t first_kept = oldest;
  bool truncated = oldest != 0 && oldest > r.since + 1;
  if (oldest == 0) {
    const std::uint64_t last = ctx_->repo->last_seq();
    truncated = last > r.since;  // history existed and is all gone
    first_kept = last + 1;
  }
  if (!truncated) return;
  conn_->post([self = shared_from_this(), first_kept] {
    if (self->st_->open()) {
      self->send(std::make_shared<const std::string>(encode_resume_failed(first_kept)));
    }
  });
}

bool session::replay_page(const std::shared_ptr<replay_cursor>& r, bool throttle) {
  event_query q;
  q.since = r->cursor;
  q.channels = r->chans;
  q.limit = replay_page_size;
  // The same history read as /events: scoped views, then the filter.
  event_page page = read_events(*ctx_->repo, q, st_->scope, &r->filter);
  std::vector<event> out = std::move(page.events);
  // A page stays within an eighth of the backlog limit (at least one
  // event), so that a client with a small limit is never cut by its own
  // replay: reading waits for a backlog of at most half the limit, two
  // pages may be in flight, and each event gains its frame header on the
  // wire. The rest is read again from the last event kept.
  if (trim_page(out, st_->backlog_limit / 8)) {
    r->cursor = std::max(r->cursor, out.back().seq);
    page.more = true;
  } else {
    r->cursor = std::max(r->cursor, page.cursor);
  }
  if (!out.empty()) {
    if (throttle) {
      std::lock_guard<std::mutex> lk(st_->m);
      ++st_->pages_in_flight;
    }
    conn_->post([self = shared_from_this(), out = std::move(out), throttle] {
      const bool open = self->st_->open();
      if (open) {
        for (const auto& e : out) self->send(e);
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
  return page.more;
}

void session::replay_finished(const replay_cursor& r) {
  conn_->post([self = shared_from_this(), chans = r.chans, cursor = r.cursor] {
    {
      std::lock_guard<std::mutex> lk(self->st_->m);
      if (self->st_->ph == session_phase::closed) return;
      for (channel c : chans) {
        if (auto* cs = self->st_->find(c)) cs->last_seq = std::max(cs->last_seq, cursor);
      }
    }
    self->job_done();
  });
}

void session::send_snapshot(std::vector<channel> chans, event_filter f) {
  if (!begin_job()) return;
  auto job = [self = shared_from_this(), chans = std::move(chans), f = std::move(f)] {
    try {
      self->snapshot_job(chans, f);
    } catch (...) {
      log_to(
          self->ctx_->log, log_level::warn,
          describe("session " + self->client_id_ + ": snapshot failed", std::current_exception()));
      self->post_close(1011, "snapshot unavailable");
      return;
    }
    self->conn_->post([self] { self->job_done(); });
  };
  if (ctx_->run_blocking) {
    ctx_->run_blocking(std::move(job));
  } else {
    job();
  }
}

void session::snapshot_job(const std::vector<channel>& chans, const event_filter& f) {
  repository* repo = ctx_->repo;
  // The bus subscription is older than each read below: an event is either
  // in the snapshot (seq <= S) or queued live (seq > S), or both, and the
  // watermark S drops the duplicates.
  for (channel c : chans) {
    if (repo == nullptr || !st_->open()) break;
    const state_snapshot snap = repo->snapshot(c, f, st_->scope);
    auto text = std::make_shared<const std::string>(encode_snapshot(snap.seq, c, snap.data_json));
    conn_->post([self = shared_from_this(), c, seq = snap.seq, text = std::move(text)] {
      {
        std::lock_guard<std::mutex> lk(self->st_->m);
        if (self->st_->ph == session_phase::closed) return;
        auto* cs = self->st_->find(c);
        if (cs == nullptr) return;  // unsubscribed meanwhile
        cs->last_seq = std::max(cs->last_seq, seq);
      }
      self->send(text);
    });
  }
}

}  // namespace sensorhub

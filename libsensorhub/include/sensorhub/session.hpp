// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sensorhub/connection.hpp"
#include "sensorhub/data_scope.hpp"
#include "sensorhub/filter.hpp"
#include "sensorhub/subscribers/queued_subscriber.hpp"
#include "sensorhub/subscription.hpp"
#include "sensorhub/transport.hpp"

namespace sensorhub {

struct session_options {
  std::vector<channel> channels{channel::general};
  event_filter filter;
  std::optional<std::uint64_t> since;  // resume: replay seq > since first
  // Send each channel's current state first (SPEC §6): one
  // {"type":"snapshot","seq":S,...} per channel, then live events with
  // seq > S. With both snapshot and since, the snapshot wins: since is
  // ignored (no replay, no resume_failed) because the snapshot already
  // carries everything the replay would have led up to.
  bool snapshot = false;
  std::size_t backlog_limit = 4u << 20;  // slow-consumer limit (bytes)
  // Conflate every channel of the handshake (SPEC §11): while events wait
  // in the daemon for this client, a newer event of the same sensor
  // replaces the waiting one (queued_subscriber). A later `subscribe` sets
  // it per channel.
  bool conflate = false;
  // The client's data scope (SPEC §7.1; default unrestricted), fixed for
  // the session's life: ANDed into every subscription, including channels
  // and filters a later client `subscribe` sets; snapshots and `since`
  // replays are scoped too. Live, replayed and /events views are the same
  // (scoped_view, data_scope.hpp).
  data_scope scope;
};

struct client_message;  // sensorhub/protocol.hpp

// One client connection's protocol state, independent of the wire: the
// greeting, channels and filters, resume and snapshots without gap or
// duplicate, the client messages of SPEC §3 and the slow-consumer rule. It
// talks to the wire through the `connection` it owns; a transport creates
// one session per connection (session_registry does it for you).
//
// Threading: call start(), on_client_text(), on_client_binary() and close()
// on the connection's thread (where connection::post runs functions). The
// session calls the connection only from that thread. Work that reads
// SQLite runs on ctx.run_blocking, never on the connection's thread.
// stop() and set_transport_backlog() may be called from any thread.
// A conflating session hands live events to the connection only while its
// buffered_bytes() are below queued_subscriber::handoff_watermark; the
// rest wait in the queue, where newer ones replace them, until the
// transport reports a smaller backlog (set_transport_backlog). Replies,
// replays and snapshots are never conflated.
// A client subscribe on a channel it already has changes the filter on the
// bus (subscription::set_filter): no gap, no duplicate.
class session final : public queued_subscriber, public std::enable_shared_from_this<session> {
 public:
  session(const transport_context& ctx, std::shared_ptr<connection> conn,
          std::size_t backlog_limit);
  // The same with a context shared by every session of a transport (what
  // a transport with many connections should use: one copy, not one each).
  session(std::shared_ptr<const transport_context> ctx, std::shared_ptr<connection> conn,
          std::size_t backlog_limit);
  ~session() override;

  // Sends connection_established and stats, subscribes, sends the snapshot
  // when opts.snapshot is set, else replays when opts.since is set, then
  // goes live. Call once, on a shared_ptr.
  void start(const session_options& opts);
  // A text frame from the client; replies per SPEC §3 (errors included).
  void on_client_text(std::string_view text);
  // A binary frame: answered with an error message.
  void on_client_binary();
  // stop()s, then closes the connection with code and reason; only the
  // first close() of a session reaches the connection.
  void close(int code, std::string_view reason);
  // close(code, reason) through connection::post; from any thread.
  void post_close(int code, std::string reason);
  // The connection is gone: unsubscribe and drop what is queued. Idempotent.
  void stop();

  // The connection's unsent bytes changed (e.g. its buffer drained).
  using queued_subscriber::set_transport_backlog;

  const std::string& client_id() const noexcept { return client_id_; }
  std::vector<channel> channels() const;

 private:
  struct state;
  struct replay_cursor;
  void wake() final;
  void on_overflow() final;
  void on_conflated(channel c) noexcept final;
  void pump();
  void send(std::shared_ptr<const std::string> text);
  void send(const event& e);
  void add_channel(channel c, const event_filter& f, std::optional<std::uint64_t> since,
                   bool snapshot);
  void on_subscribe(const client_message& msg);
  void on_unsubscribe(channel c);
  // Live events at or below seq on these channels are not sent (they were
  // committed before the client's view began).
  void set_live_floor(const std::vector<channel>& chans, std::uint64_t seq);
  // session_replay.cpp: history and snapshots before going live.
  void replay(std::uint64_t since, std::vector<channel> chans, event_filter f);
  // Reads and sends history pages while the client keeps up; when it falls
  // behind, the step requeues itself instead of holding a worker.
  void replay_step(std::shared_ptr<replay_cursor> r);
  void check_truncation(replay_cursor& r);
  // Sends one page; false when the replay is finished.
  bool replay_page(const std::shared_ptr<replay_cursor>& r, bool throttle);
  void replay_finished(const replay_cursor& r);
  bool wait_for_replay_room();
  void send_snapshot(std::vector<channel> chans, event_filter f);
  void snapshot_job(const std::vector<channel>& chans, const event_filter& f);
  // Once per replay/snapshot job: when the last one ends, go live.
  void job_done();
  bool begin_job();

  std::shared_ptr<const transport_context> ctx_;
  std::shared_ptr<connection> conn_;
  std::string client_id_;
  std::unique_ptr<state> st_;
};

}  // namespace sensorhub

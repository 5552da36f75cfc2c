#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
};

// One client connection's protocol state, independent of the wire: the
// greeting, channels and filters, resume and snapshots without gap or
// duplicate, the client messages of SPEC §3 and the slow-consumer rule. A transport
// derives from it per connection and implements four hooks.
//
// Threading: the transport calls start(), on_client_text() and
// on_client_binary() on its own thread for this connection (its "strand").
// The session calls send_text/send_event/close only from that thread: from
// inside those calls or from functions it passed to post(). Work that reads
// SQLite runs on ctx.run_blocking, never on the transport's thread.
class session : public queued_subscriber, public std::enable_shared_from_this<session> {
 public:
  session(const transport_context& ctx, std::size_t backlog_limit);
  ~session() override;

  // Sends connection_established and stats, subscribes, sends the snapshot
  // when opts.snapshot is set, else replays when opts.since is set, then
  // goes live. Call once, on a shared_ptr.
  void start(const session_options& opts);
  // A text frame from the client; replies per SPEC §3 (errors included).
  void on_client_text(std::string_view text);
  // A binary frame: answered with an error message.
  void on_client_binary();
  // The connection is gone: unsubscribe and drop what is queued. Idempotent.
  void stop();

  const std::string& client_id() const noexcept { return client_id_; }
  std::vector<channel> channels() const;

 protected:
  // Send one text message (this session's thread; FIFO; must not block).
  virtual void send_text(std::shared_ptr<const std::string> text) = 0;
  // Send one event; override to reuse a message framed once for everyone.
  virtual void send_event(const event& e) { send_text(e.json); }
  // Close the connection with a WebSocket-style code and reason.
  virtual void close(int code, std::string_view reason) = 0;
  // Run fn on this session's thread, after everything posted before it.
  virtual void post(std::function<void()> fn) = 0;

 private:
  struct state;
  void wake() final;
  void on_overflow() final;
  void pump();
  void add_channel(channel c, const event_filter& f, std::optional<std::uint64_t> since,
                   bool snapshot);
  struct replay_cursor;
  void replay(std::uint64_t since, std::vector<channel> chans, event_filter f);
  // Reads and sends history pages while the client keeps up; when it falls
  // behind, the step requeues itself instead of holding a worker.
  void replay_step(std::shared_ptr<replay_cursor> r);
  bool wait_for_replay_room();
  void send_snapshot(std::vector<channel> chans, event_filter f);
  // Once per replay/snapshot job: when the last one ends, go live.
  void job_done();

  transport_context ctx_;
  std::string client_id_;
  std::unique_ptr<state> st_;
};

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "sensorhub/latency_histogram.hpp"
#include "sensorhub/subscriber.hpp"

namespace sensorhub {

// Base class that takes the easy-to-get-wrong parts off a transport session:
// the hand-off from the publishing thread to the session's own thread, the
// queue, backlog accounting with a slow-consumer limit, and conflation.
//
// on_event (final) only enqueues: it never blocks on I/O. When the queue
// goes from empty to non-empty it calls wake() so that the session schedules
// drain() on its own thread. When the backlog (queued bytes plus what the
// transport reports through set_transport_backlog) passes the limit, the
// queue is cleared and on_overflow() is called exactly once; no further
// events are queued after that.
//
// Conflation (SPEC §11), per channel (set_conflate): while an event waits
// here, a newer one with the same key replaces it (the old one is removed,
// the new one is queued at the end, so seq still ascends) and
// on_conflated() counts it. The key is the sensor: entity_id of a sensor's
// `updated` event, sensor_id of a reading's `created` event; no other event
// is ever replaced. Only what waits HERE is replaced, so a conflating
// consumer should hand events on only while its transport has room
// (drain_while with the handoff_watermark): set_transport_backlog then calls
// wake() when the transport's backlog falls below the watermark while
// events wait. Without conflation nothing of this costs anything per event.
//
// Thread-safety: on_event, drain, drain_while, set_conflate,
// set_transport_backlog and backlog_bytes may be called from any thread.
// wake(), on_overflow() and on_conflated() are called with no lock held
// (on the publishing thread, or on set_transport_backlog's); they must not
// block.
class queued_subscriber : public subscriber {
 public:
  // A conflating consumer hands events to its transport only while the
  // transport holds fewer unsent bytes than this; the rest wait here,
  // where they can be replaced.
  static constexpr std::size_t handoff_watermark = 64u << 10;

  explicit queued_subscriber(std::size_t backlog_limit_bytes);

  void on_event(const event& e) final;

  // Bytes queued here plus bytes the transport reported as still buffered.
  std::size_t backlog_bytes() const noexcept;
  bool overflowed() const noexcept { return overflowed_.load(); }

  // Conflates events of channel c from now on (or stops). Events already
  // queued are kept; they can be replaced by later ones.
  void set_conflate(channel c, bool on);
  bool conflates(channel c) const noexcept;
  // True when any channel conflates.
  bool conflating() const noexcept { return conflate_mask_.load(std::memory_order_relaxed) != 0; }
  // Events queued right now (replaced ones excluded).
  std::size_t queued_events() const;

 protected:
  // Pops every queued event and passes each to `send`, in order; returns how
  // many. Call from the session's own thread after wake().
  std::size_t drain(const std::function<void(const event&)>& send);
  // The same, one event at a time, while room() is true (asked before each
  // event): what is not handed on stays queued and replaceable.
  std::size_t drain_while(const std::function<bool()>& room,
                          const std::function<void(const event&)>& send);

  // Lets the transport add its own unsent bytes (e.g. a socket's send
  // buffer). For a conflating subscriber, a backlog below handoff_watermark
  // while events wait calls wake().
  void set_transport_backlog(std::size_t bytes) noexcept;

  // Stops queueing (e.g. the session closed): later events are dropped.
  void close_queue();

  // Records, per drained batch, how long each event waited since its
  // publish (event::queued_ns) into h (null: not measured, the default).
  // Call before the subscriber is subscribed; h must outlive it.
  void measure_queue_time(latency_histogram* h) noexcept { queue_time_ = h; }

  virtual void wake() = 0;
  virtual void on_overflow() = 0;
  // A queued event of channel c was replaced (count it). Default: nothing.
  virtual void on_conflated(channel /*c*/) noexcept {}

 private:
  // The sensor an event is conflated by, and whether it is a reading's.
  struct conflation_key {
    std::int64_t sensor = 0;
    bool reading = false;
    bool operator==(const conflation_key& o) const noexcept {
      return sensor == o.sensor && reading == o.reading;
    }
  };
  struct key_hash {
    std::size_t operator()(const conflation_key& k) const noexcept {
      return std::hash<std::int64_t>()(k.sensor) * 2 + (k.reading ? 1 : 0);
    }
  };

  // All below: with mutex_ held.
  std::size_t live_events() const noexcept { return queue_.size() - head_ - dead_; }
  bool is_dead(std::size_t i) const noexcept { return i < tombstones_.size() && tombstones_[i]; }
  // Removes the waiting event e replaces; true when there was one.
  bool replace_waiting(const event& e);
  void push(const event& e, std::size_t bytes);
  void compact();
  void clear_queue(std::vector<event>& out);
  void resume_if_room(std::size_t transport_bytes) noexcept;

  const std::size_t limit_;
  mutable std::mutex mutex_;
  std::vector<event> queue_;  // a vector: an idle subscriber holds no block
  std::size_t queued_bytes_ = 0;
  bool closed_ = false;
  // Conflation only (all empty/zero otherwise): queue_[0, head_) was handed
  // on by drain_while; tombstones_ marks replaced events; index_ finds the
  // waiting event of a key.
  std::size_t head_ = 0;
  std::size_t dead_ = 0;  // tombstones in [head_, end)
  std::vector<bool> tombstones_;
  std::unordered_map<conflation_key, std::size_t, key_hash> index_;
  std::atomic<unsigned> conflate_mask_{0};  // bit per channel
  std::atomic<bool> pumping_{false};        // inside drain_while
  std::atomic<bool> missed_report_{false};  // a report with room came while pumping
  std::atomic<std::size_t> transport_backlog_{0};
  std::atomic<bool> overflowed_{false};
  latency_histogram* queue_time_ = nullptr;
};

}  // namespace sensorhub

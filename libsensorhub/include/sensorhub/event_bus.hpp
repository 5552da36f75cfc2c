// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <vector>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/filter.hpp"
#include "sensorhub/latency_histogram.hpp"
#include "sensorhub/stats.hpp"
#include "sensorhub/subscriber.hpp"
#include "sensorhub/subscription.hpp"

namespace sensorhub {

// Fans published events out to subscribers by channel and filter.
//
// Thread-safe: publish, subscribe and unsubscribe may be called from any
// thread. Publishes are serialized, so every subscriber sees events in one
// total order (the order of publish calls; the repository's commit hook
// publishes in seq order). The bus holds each subscriber by shared_ptr while
// subscribed. A subscriber's exception goes to the error handler (a bus
// without one logs it). subscribe() returns a handle whose
// subscription::control the bus implements: cancel (see subscription) and
// set_filter, which must never make publish wait per event. The hub takes
// any implementation through hub_options::bus.
class event_bus {
 public:
  using error_handler = std::function<void(const std::exception_ptr&)>;

  virtual ~event_bus() = default;

  virtual subscription subscribe(channel c, std::shared_ptr<subscriber> s,
                                 event_filter filter = {}) = 0;

  // A subscription as `scope` sees events (SPEC §7.1): each event passes
  // through scoped_view (data_scope.hpp) first; invisible ones are skipped,
  // the filter (also a later set_filter) applies to the view, and the
  // subscriber receives the view (a moved sensor's scope_left /
  // scope_entered). The scope stays for the subscription's life. An
  // unrestricted scope is exactly subscribe(c, s, filter). This default
  // wraps `s` in a forwarding subscriber (so stats count it separately);
  // local_event_bus checks the scope in its fan-out instead, where an
  // unscoped subscription pays nothing for it.
  virtual subscription subscribe_scoped(channel c, std::shared_ptr<subscriber> s,
                                        event_filter filter, data_scope scope);

  // Delivers each event, in order; returns how many deliveries were made.
  virtual std::size_t publish(const std::vector<event>& events) = 0;
  std::size_t publish(const event& e) { return publish(std::vector<event>{e}); }

  virtual void set_error_handler(error_handler handler) = 0;

  // connections/messages per channel, total subscribers, events published,
  // last published seq, dropped subscribers. uptime_s is left 0.
  virtual hub_stats stats() const = 0;

  // Counts a subscriber closed as a slow consumer (for stats and metrics).
  virtual void note_dropped_subscriber() = 0;

  // Counts a queued event on channel c replaced by a newer one for a
  // conflating subscriber (SPEC §11; hub_stats channel `conflated`). Called
  // on the publishing thread from inside on_event: must not block. The
  // default counts nothing.
  virtual void note_conflated(channel /*c*/) noexcept {}

  // Where queued subscribers record how long events waited in their queue
  // (hub_stats::delivery_queue_time); null: not measured (the default).
  virtual latency_histogram* queue_time_histogram() noexcept { return nullptr; }
};

}  // namespace sensorhub

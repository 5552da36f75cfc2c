// SPDX-License-Identifier: MIT
#pragma once

#include "sensorhub/event.hpp"

namespace sensorhub {

// Receives events from an event_bus subscription.
//
// on_event is called on the publishing thread, for one subscriber never
// concurrently, in the order events were published (ascending seq for
// persisted events). It must return quickly and must not block: hand the
// event to your own thread or queue (queued_subscriber does this for you).
// An exception thrown from on_event is caught by the bus and passed to the
// bus's error handler; delivery to everyone else continues.
// The same subscriber may be attached to several subscriptions (channels).
class subscriber {
 public:
  virtual ~subscriber() = default;
  virtual void on_event(const event& e) = 0;
};

}  // namespace sensorhub

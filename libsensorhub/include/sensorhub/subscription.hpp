// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <utility>

#include "sensorhub/filter.hpp"

namespace sensorhub {

// RAII handle of one event_bus subscription: destroying or reset()ting it
// unsubscribes. Move-only. After reset() returns, the subscriber receives no
// further events — except when reset() is called from inside that
// subscriber's own on_event, where the current delivery simply completes.
// set_filter() replaces the subscription's filter on the bus side (copy on
// write: publishing never waits for it) without a gap or a duplicate: each
// publish() that starts after set_filter returned uses the new filter.
// Not thread-safe itself: one owner at a time.
class subscription {
 public:
  // What a bus hands out per subscription; implement it in a custom bus.
  class control {
   public:
    virtual ~control() = default;
    // Unsubscribes, with the promise described above. Called at most once.
    virtual void cancel() noexcept = 0;
    virtual void set_filter(event_filter filter) = 0;
  };

  subscription() = default;
  explicit subscription(std::unique_ptr<control> c) noexcept : control_(std::move(c)) {}
  subscription(subscription&& o) noexcept = default;
  subscription& operator=(subscription&& o) noexcept {
    if (this != &o) {
      reset();
      control_ = std::move(o.control_);
    }
    return *this;
  }
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;
  ~subscription() { reset(); }

  // False (and nothing changes) on an empty handle.
  bool set_filter(event_filter filter) {
    if (!control_) return false;
    control_->set_filter(std::move(filter));
    return true;
  }

  void reset() noexcept {
    if (auto c = std::exchange(control_, nullptr)) c->cancel();
  }
  explicit operator bool() const noexcept { return static_cast<bool>(control_); }

 private:
  std::unique_ptr<control> control_;
};

}  // namespace sensorhub

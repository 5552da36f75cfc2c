#pragma once

#include <functional>
#include <utility>

namespace sensorhub {

// RAII handle of one event_bus subscription: destroying or reset()ting it
// unsubscribes. Move-only. After reset() returns, the subscriber receives no
// further events — except when reset() is called from inside that
// subscriber's own on_event, where the current delivery simply completes.
// Not thread-safe itself: one owner at a time.
class subscription {
 public:
  subscription() = default;
  explicit subscription(std::function<void()> cancel) : cancel_(std::move(cancel)) {}
  subscription(subscription&& o) noexcept : cancel_(std::exchange(o.cancel_, {})) {}
  subscription& operator=(subscription&& o) noexcept {
    if (this != &o) {
      reset();
      cancel_ = std::exchange(o.cancel_, {});
    }
    return *this;
  }
  subscription(const subscription&) = delete;
  subscription& operator=(const subscription&) = delete;
  ~subscription() { reset(); }

  void reset() noexcept {
    if (auto c = std::exchange(cancel_, {})) {
      try {
        c();
      } catch (...) {  // destructors never throw
      }
    }
  }
  explicit operator bool() const noexcept { return static_cast<bool>(cancel_); }

 private:
  std::function<void()> cancel_;
};

}  // namespace sensorhub

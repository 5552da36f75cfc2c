#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <thread>

#include "sensorhub/subscribers/queued_subscriber.hpp"

namespace sensorhub {

// A subscriber that calls a function for each event on its own worker
// thread, so a slow callback never slows the publisher or other subscribers.
// Events arrive in publish order; the callback is never called concurrently
// with itself. An exception from the callback goes to `on_error` (if set)
// and delivery continues. The destructor stops the thread after the events
// already queued have been delivered; it does not throw.
class callback_subscriber final : public queued_subscriber {
 public:
  using callback = std::function<void(const event&)>;
  using error_callback = std::function<void(const std::exception_ptr&)>;

  explicit callback_subscriber(callback fn, error_callback on_error = {},
                               std::size_t backlog_limit_bytes = 64u << 20);
  ~callback_subscriber() override;

  // Blocks until every event queued so far has been passed to the callback.
  void flush();

 private:
  void wake() override;
  void on_overflow() override;
  void run();

  callback fn_;
  error_callback on_error_;
  std::mutex m_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  bool pending_ = false;
  bool busy_ = false;
  bool stop_ = false;
  std::thread worker_;
};

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <memory>

#include "sensorhub/logger.hpp"
#include "sensorhub/subscribers/queued_subscriber.hpp"

namespace sensorhub {

class serial_executor;

// A subscriber that calls a function for each event on its own worker
// thread (a serial_executor), so a slow callback never slows the publisher
// or other subscribers. Events arrive in publish order; the callback is
// never called concurrently with itself. An exception from the callback
// goes to `on_error` (if set; else it is logged at error level to
// stderr_log_sink()) and delivery continues. The destructor stops the
// thread after the events already queued have been delivered; it does not
// throw and must not run on the callback's own thread.
class callback_subscriber final : public queued_subscriber {
 public:
  using callback = std::function<void(const event&)>;
  using error_callback = std::function<void(const std::exception_ptr&)>;

  explicit callback_subscriber(callback fn, error_callback on_error = {},
                               std::size_t backlog_limit_bytes = 64u << 20);
  ~callback_subscriber() override;

  // Blocks until every event queued so far has been passed to the callback.
  // Returns at once when called from inside the callback.
  void flush();

  // True on the callback's own thread (i.e. inside the callback).
  bool in_callback() const noexcept;

 private:
  void wake() override;
  void on_overflow() override;
  void report(const std::exception_ptr& e) noexcept;

  callback fn_;
  error_callback on_error_;
  std::unique_ptr<serial_executor> worker_;  // last: runs the members above
};

}  // namespace sensorhub

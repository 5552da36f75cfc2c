// SPDX-License-Identifier: MIT
#pragma once

#include <memory>

#include "sensorhub/event_bus.hpp"
#include "sensorhub/logger.hpp"

namespace sensorhub {

// The in-process event bus. Subscription lists are copy-on-write, so
// publishing never waits for subscribe/unsubscribe/set_filter. Thread-safe.
// Without an error handler, a subscriber's exception is logged to `log` at
// error level.
class local_event_bus final : public event_bus {
 public:
  explicit local_event_bus(log_sink log = stderr_log_sink());
  ~local_event_bus() override;
  local_event_bus(const local_event_bus&) = delete;
  local_event_bus& operator=(const local_event_bus&) = delete;

  subscription subscribe(channel c, std::shared_ptr<subscriber> s,
                         event_filter filter = {}) override;
  subscription subscribe_scoped(channel c, std::shared_ptr<subscriber> s, event_filter filter,
                                data_scope scope) override;
  using event_bus::publish;
  std::size_t publish(const std::vector<event>& events) override;
  void set_error_handler(error_handler handler) override;
  hub_stats stats() const override;
  void note_dropped_subscriber() override;
  void note_conflated(channel c) noexcept override;
  latency_histogram* queue_time_histogram() noexcept override;

 private:
  struct impl;
  class control;
  std::shared_ptr<impl> impl_;  // shared with subscription handles (weak)
};

}  // namespace sensorhub

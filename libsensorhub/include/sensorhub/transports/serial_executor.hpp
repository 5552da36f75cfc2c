// SPDX-License-Identifier: MIT
#pragma once

#include <functional>
#include <memory>

#include "sensorhub/logger.hpp"

namespace sensorhub {

// A strand: runs posted functions one at a time, in the order they were
// posted, either on a thread of its own or in batches on someone else's
// thread pool (e.g. transport_context::run_blocking). A session's connection
// posts everything that touches the connection to one of these.
//
// Thread-safety: post, stop and running_in_this_thread may be called from
// any thread, also from inside a posted function. An exception thrown by a
// posted function is reported to the log sink at error level; the next
// function runs as usual.
//
// Promises: every function accepted by post() (it returned true) runs
// exactly once, unless the executor is destroyed while stop() is unable to
// wait (stop() called from inside one of its own functions). Functions post()
// refused are destroyed at once, on the caller's thread.
class serial_executor {
 public:
  // Runs `job` on some thread, soon; must run every job it is given.
  using scheduler = std::function<void(std::function<void()> job)>;

  // Starts a thread of its own.
  explicit serial_executor(log_sink log = stderr_log_sink());
  // Runs on `on`: each batch (up to 64 functions) is one job there.
  explicit serial_executor(scheduler on, log_sink log = stderr_log_sink());
  // Calls stop().
  ~serial_executor();
  serial_executor(const serial_executor&) = delete;
  serial_executor& operator=(const serial_executor&) = delete;

  // Queues fn; false (fn dropped) once stop() has finished.
  bool post(std::function<void()> fn);

  // Runs everything queued, including what those functions post meanwhile,
  // then refuses further posts; returns once the last function has returned.
  // From inside a posted function it cannot wait for itself: it returns at
  // once and the queue still runs to its end. Idempotent.
  void stop() noexcept;

  // True while the calling thread is running one of this executor's functions
  // (own-thread mode: the calling thread is the executor's thread).
  bool running_in_this_thread() const noexcept;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace sensorhub

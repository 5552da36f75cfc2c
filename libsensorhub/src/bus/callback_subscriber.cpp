// SPDX-License-Identifier: MIT
#include "sensorhub/subscribers/callback_subscriber.hpp"

#include <future>
#include <utility>

#include "sensorhub/error.hpp"
#include "sensorhub/transports/serial_executor.hpp"

namespace sensorhub {

callback_subscriber::callback_subscriber(callback fn, error_callback on_error,
                                         std::size_t backlog_limit_bytes)
    : queued_subscriber(backlog_limit_bytes),
      fn_(std::move(fn)),
      on_error_(std::move(on_error)),
      worker_(std::make_unique<serial_executor>()) {}

// The bus no longer holds us, so nothing new arrives; stop() runs the
// drains already posted, which deliver everything queued.
callback_subscriber::~callback_subscriber() { worker_->stop(); }

bool callback_subscriber::in_callback() const noexcept { return worker_->running_in_this_thread(); }

void callback_subscriber::report(const std::exception_ptr& e) noexcept {
  if (!on_error_) {
    log_to(stderr_log_sink(), log_level::error, describe("callback_subscriber", e));
    return;
  }
  try {
    on_error_(e);
  } catch (...) {  // an error handler's exception is logged, never rethrown
    log_to(stderr_log_sink(), log_level::error,
           describe("callback_subscriber: on_error threw", std::current_exception()));
  }
}

void callback_subscriber::wake() {
  worker_->post([this] {
    drain([this](const event& e) {
      try {
        if (fn_) fn_(e);
      } catch (...) {
        report(std::current_exception());
      }
    });
  });
}

void callback_subscriber::on_overflow() {
  report(std::make_exception_ptr(
      error(errc::unavailable,
            "slow consumer: callback backlog passed its limit; later events are dropped")));
}

void callback_subscriber::flush() {
  if (in_callback()) return;  // cannot wait for itself
  std::promise<void> idle;
  auto done = idle.get_future();
  if (worker_->post([&idle] { idle.set_value(); })) done.wait();
}

}  // namespace sensorhub

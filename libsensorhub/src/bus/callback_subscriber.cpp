#include "sensorhub/subscribers/callback_subscriber.hpp"

#include <utility>

#include "bus/callback_subscriber_detail.hpp"
#include "sensorhub/error.hpp"

namespace sensorhub {

namespace {
thread_local const callback_subscriber* tl_running = nullptr;
}  // namespace

bool detail::on_callback_thread_of(const callback_subscriber* s) noexcept {
  return s != nullptr && tl_running == s;
}

callback_subscriber::callback_subscriber(callback fn, error_callback on_error,
                                         std::size_t backlog_limit_bytes)
    : queued_subscriber(backlog_limit_bytes), fn_(std::move(fn)), on_error_(std::move(on_error)) {
  worker_ = std::thread([this] { run(); });
}

callback_subscriber::~callback_subscriber() {
  {
    std::lock_guard<std::mutex> lk(m_);
    stop_ = true;
  }
  cv_.notify_all();
  if (!worker_.joinable()) return;
  if (worker_.get_id() == std::this_thread::get_id()) {
    // Destroyed from inside its own callback: joining would deadlock. The
    // hub's handles never do this (they hand the last reference to another
    // thread); callers owning the subscriber directly must not either.
    worker_.detach();
  } else {
    worker_.join();
  }
}

void callback_subscriber::wake() {
  {
    std::lock_guard<std::mutex> lk(m_);
    pending_ = true;
  }
  cv_.notify_one();
}

void callback_subscriber::on_overflow() {
  if (!on_error_) return;
  try {
    on_error_(std::make_exception_ptr(
        error(errc::unavailable,
              "slow consumer: callback backlog passed its limit; later events are dropped")));
  } catch (...) {  // never into the publisher
  }
}

void callback_subscriber::run() {
  tl_running = this;
  std::unique_lock<std::mutex> lk(m_);
  for (;;) {
    cv_.wait(lk, [this] { return pending_ || stop_; });
    const bool stopping = stop_;
    pending_ = false;
    busy_ = true;
    lk.unlock();
    drain([this](const event& e) {
      try {
        if (fn_) fn_(e);
      } catch (...) {
        if (on_error_) {
          try {
            on_error_(std::current_exception());
          } catch (...) {  // an error handler's exception is dropped
          }
        }
      }
    });
    lk.lock();
    busy_ = false;
    idle_cv_.notify_all();
    // Stopping: the bus no longer holds us, so nothing new can arrive; the
    // drain above delivered everything that was queued.
    if (stopping) break;
  }
  tl_running = nullptr;
}

void callback_subscriber::flush() {
  if (std::this_thread::get_id() == worker_.get_id()) return;  // cannot wait for itself
  std::unique_lock<std::mutex> lk(m_);
  idle_cv_.wait(lk, [this] { return (!pending_ && !busy_) || stop_; });
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "detail/prune_thread.hpp"

#include <utility>

namespace sensorhub::detail {

prune_thread::prune_thread(std::function<void()> pass, std::chrono::milliseconds interval,
                           log_sink log)
    : pass_(std::move(pass)),
      interval_(interval),
      log_(std::move(log)),
      thread_([this] { loop(); }) {}

prune_thread::~prune_thread() { stop(); }

void prune_thread::stop() noexcept {
  {
    std::lock_guard<std::mutex> lk(m_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void prune_thread::loop() {
  std::unique_lock<std::mutex> lk(m_);
  while (!stopping_) {
    lk.unlock();
    try {
      pass_();
    } catch (...) {  // storage trouble: retry on the next pass
      log_to(log_, log_level::warn, describe("background prune failed", std::current_exception()));
    }
    lk.lock();
    cv_.wait_for(lk, interval_, [this] { return stopping_; });
  }
}

}  // namespace sensorhub::detail

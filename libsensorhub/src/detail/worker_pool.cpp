// SPDX-License-Identifier: MIT
#include "detail/worker_pool.hpp"

#include <utility>

namespace sensorhub::detail {

worker_pool::worker_pool(std::size_t n, log_sink log) : log_(std::move(log)) {
  if (n == 0) n = 1;
  threads_.reserve(n);
  for (std::size_t i = 0; i < n; ++i) threads_.emplace_back([this] { loop(); });
}

worker_pool::~worker_pool() { stop(); }

void worker_pool::run(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lk(m_);
    if (!stopping_) {
      q_.push_back(std::move(fn));
      cv_.notify_one();
      return;
    }
  }
  invoke(fn);
}

void worker_pool::stop() noexcept {
  {
    std::lock_guard<std::mutex> lk(m_);
    stopping_ = true;
  }
  cv_.notify_all();
  const auto me = std::this_thread::get_id();
  for (auto& t : threads_) {
    if (!t.joinable()) continue;
    if (t.get_id() == me) {
      t.detach();  // stop() from a job: that thread ends after the job
    } else {
      t.join();
    }
  }
}

void worker_pool::invoke(const std::function<void()>& fn) noexcept {
  try {
    if (fn) fn();
  } catch (...) {  // a job's failure is its own business, but say so
    log_to(log_, log_level::error, describe("worker pool: a job threw", std::current_exception()));
  }
}

void worker_pool::loop() {
  std::unique_lock<std::mutex> lk(m_);
  for (;;) {
    cv_.wait(lk, [this] { return !q_.empty() || stopping_; });
    if (q_.empty()) return;
    auto fn = std::move(q_.front());
    q_.pop_front();
    lk.unlock();
    invoke(fn);
    fn = nullptr;
    lk.lock();
  }
}

}  // namespace sensorhub::detail

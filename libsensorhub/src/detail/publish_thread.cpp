// SPDX-License-Identifier: MIT
#include "detail/publish_thread.hpp"

#include <utility>

namespace sensorhub::detail {

publish_thread::publish_thread(std::shared_ptr<event_bus> bus, log_sink log)
    : bus_(std::move(bus)), log_(std::move(log)), thread_([this] { loop(); }) {}

publish_thread::~publish_thread() { stop(); }

void publish_thread::enqueue(const std::vector<event>& events) {
  if (events.empty()) return;
  {
    std::lock_guard<std::mutex> lk(m_);
    queue_.insert(queue_.end(), events.begin(), events.end());
    ++enqueued_;
  }
  work_cv_.notify_one();
}

void publish_thread::flush() {
  std::unique_lock<std::mutex> lk(m_);
  const std::uint64_t target = enqueued_;
  done_cv_.wait(lk, [&] { return published_ >= target || exited_; });
}

void publish_thread::stop() noexcept {
  {
    std::lock_guard<std::mutex> lk(m_);
    if (stopping_) return;
    stopping_ = true;
  }
  work_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void publish_thread::loop() {
  std::vector<event> batch;
  std::unique_lock<std::mutex> lk(m_);
  for (;;) {
    work_cv_.wait(lk, [this] { return !queue_.empty() || stopping_; });
    if (queue_.empty()) {  // stopping, and everything went out
      exited_ = true;
      done_cv_.notify_all();
      return;
    }
    batch.swap(queue_);
    const std::uint64_t upto = enqueued_;
    lk.unlock();
    try {
      bus_->publish(batch);
    } catch (...) {  // the commits stand; the events stay in the log for resume
      log_to(log_, log_level::error,
             describe("publishing committed events failed", std::current_exception()));
    }
    batch.clear();
    lk.lock();
    published_ = upto;
    done_cv_.notify_all();
  }
}

}  // namespace sensorhub::detail

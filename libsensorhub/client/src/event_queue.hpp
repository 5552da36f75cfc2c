// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

#include "sensorhub/client/event.hpp"

namespace sensorhub::client::detail {

// The bounded queue behind client::next_event(). push() waits while full
// (until close()); pop() waits up to a timeout. Thread-safe.
class event_queue {
 public:
  explicit event_queue(std::size_t capacity) : capacity_(capacity) {}

  // False when the queue was closed (the event is dropped).
  bool push(event ev) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(ev));
    not_empty_.notify_one();
    return true;
  }

  std::optional<event> pop(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait_for(lock, timeout, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    event ev = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return ev;
  }

  // Wakes every waiter; later pushes fail, pops drain what is left.
  void close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  std::size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<event> items_;
  bool closed_ = false;
};

}  // namespace sensorhub::client::detail

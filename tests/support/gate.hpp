// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

namespace sensorhub::testing {

// A one-shot gate: one thread open()s it, others wait() for that (bounded by
// a timeout, which only limits how long a broken test hangs). Thread-safe.
class gate {
 public:
  void open() {
    {
      std::lock_guard<std::mutex> lk(m_);
      open_ = true;
    }
    cv_.notify_all();
  }
  bool is_open() const {
    std::lock_guard<std::mutex> lk(m_);
    return open_;
  }
  // True once open; false if the timeout passed first.
  bool wait(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lk(m_);
    return cv_.wait_for(lk, timeout, [this] { return open_; });
  }

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  bool open_ = false;
};

// A counter threads bump and tests wait on ("at least n happened"): a latch
// that counts up. Thread-safe.
class counter {
 public:
  void add(std::size_t n = 1) {
    {
      std::lock_guard<std::mutex> lk(m_);
      count_ += n;
    }
    cv_.notify_all();
  }
  std::size_t value() const {
    std::lock_guard<std::mutex> lk(m_);
    return count_;
  }
  // True once the count reached n; false if the timeout passed first.
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::unique_lock<std::mutex> lk(m_);
    return cv_.wait_for(lk, timeout, [&] { return count_ >= n; });
  }

 private:
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::size_t count_ = 0;
};

// Polls pred every 20 ms until it is true (returns true) or the timeout
// passed (returns false). For conditions no callback reports; not a timing
// assertion: the timeout only bounds the wait.
inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace sensorhub::testing

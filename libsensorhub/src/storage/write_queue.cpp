// SPDX-License-Identifier: MIT
#include "storage/write_queue.hpp"

#include <algorithm>

namespace sensorhub::detail {

std::vector<queued_write*> write_queue::take_group() {
  const std::size_t n = std::min(queue_.size(), std::max<std::size_t>(max_group_, 1));
  std::vector<queued_write*> group(queue_.begin(), queue_.begin() + static_cast<long>(n));
  queue_.erase(queue_.begin(), queue_.begin() + static_cast<long>(n));
  return group;
}

void write_queue::submit(queued_write& w, const group_runner& run) {
  std::unique_lock<std::mutex> lock(mutex_);
  queue_.push_back(&w);
  w.wake.wait(lock, [&] { return w.done || !leader_active_; });
  if (w.done) {
    return;
  }
  leader_active_ = true;
  leader_ = std::this_thread::get_id();
  // FIFO: the groups queued before `w` go first, then the one holding it.
  while (!w.done) {
    const std::vector<queued_write*> group = take_group();
    lock.unlock();
    try {
      run(group);
    } catch (...) {
      for (queued_write* g : group) {
        g->events.clear();
        g->failure = std::current_exception();
      }
    }
    lock.lock();
    for (queued_write* g : group) {
      g->done = true;
      if (g != &w) g->wake.notify_one();  // under the lock: `g` lives until it sees done
    }
  }
  leader_active_ = false;
  leader_ = std::thread::id();
  if (!queue_.empty()) {
    queue_.front()->wake.notify_one();  // the next in line takes the lead
  }
}

bool write_queue::leading_here() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return leader_active_ && leader_ == std::this_thread::get_id();
}

std::size_t write_queue::queued() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queue_.size();
}

}  // namespace sensorhub::detail

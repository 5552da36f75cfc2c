// SPDX-License-Identifier: MIT
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "sensorhub/event.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub::detail {

// One repository::write waiting for its group to commit. Lives on the
// caller's stack; the leader that runs it fills `events` or `failure`.
struct queued_write {
  explicit queued_write(const std::function<void(write_tx&)>& w) noexcept : work(&w) {}

  const std::function<void(write_tx&)>* work;
  std::vector<event> events;   // appended by `work`, once committed
  std::exception_ptr failure;  // why it did not commit, or null
  bool done = false;           // guarded by the queue's mutex
  // Wakes this writer alone: its group is done, or it is first in line
  // when the lead is free (no herd of writers woken per group).
  std::condition_variable wake;
};

// Group commit by leader and followers, without a thread of its own: a
// writer enqueues its write; the first one that finds no leader becomes
// leader, takes what is queued (at most max_group writes) and runs it as one
// group, then hands over. Followers sleep until their group is done, so
// each caller still returns only after its own commit. A lone writer is a
// group of one and never waits. Thread-safe.
class write_queue {
 public:
  // Runs a group: must set `events` or `failure` of each write, and should
  // not throw (if it does, every write of the group fails with that).
  using group_runner = std::function<void(const std::vector<queued_write*>&)>;

  explicit write_queue(std::size_t max_group) noexcept : max_group_(max_group) {}

  // Enqueues `w` and returns once it is done. The calling thread may lead,
  // running its own group and the groups queued before it.
  void submit(queued_write& w, const group_runner& run);

  // True on the thread that is leading a group right now (a write from
  // inside a write or the commit hook would wait for itself).
  bool leading_here() const;
  // Writes queued and not yet taken by a leader.
  std::size_t queued() const;

 private:
  std::vector<queued_write*> take_group();

  const std::size_t max_group_;
  mutable std::mutex mutex_;
  std::deque<queued_write*> queue_;
  bool leader_active_ = false;
  std::thread::id leader_;
};

}  // namespace sensorhub::detail

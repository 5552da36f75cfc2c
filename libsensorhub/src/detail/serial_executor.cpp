// SPDX-License-Identifier: MIT
#include "sensorhub/transports/serial_executor.hpp"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

namespace sensorhub {

namespace {
constexpr int batch_size = 64;  // pool mode: functions per job before yielding the worker
}  // namespace

struct serial_executor::impl : std::enable_shared_from_this<impl> {
  impl(scheduler s, log_sink l) : sched(std::move(s)), log(std::move(l)) {}

  const scheduler sched;  // empty: own thread
  const log_sink log;
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::function<void()>> q;
  bool stopping = false;
  bool done = false;
  bool scheduled = false;  // pool mode: a batch job is queued or running
  std::atomic<std::thread::id> current{};
  std::thread thread;  // own-thread mode

  void invoke(std::function<void()>& fn) noexcept {
    try {
      fn();
    } catch (...) {
      log_to(log, log_level::error,
             describe("serial_executor: a posted function threw", std::current_exception()));
    }
    try {
      fn = nullptr;  // captures die on this thread, before the next function
    } catch (...) {  // NOLINT(bugprone-empty-catch): destructors do not throw
    }
  }

  void thread_loop() {
    current.store(std::this_thread::get_id());
    std::unique_lock<std::mutex> lk(m);
    for (;;) {
      cv.wait(lk, [this] { return !q.empty() || stopping; });
      if (q.empty()) break;
      auto fn = std::move(q.front());
      q.pop_front();
      lk.unlock();
      invoke(fn);
      lk.lock();
    }
    done = true;
    current.store(std::thread::id{});
    cv.notify_all();
  }

  void run_batch() {
    current.store(std::this_thread::get_id());
    for (int n = 0;; ++n) {
      std::function<void()> fn;
      {
        std::lock_guard<std::mutex> lk(m);
        if (q.empty()) {
          scheduled = false;
          if (stopping) done = true;
          current.store(std::thread::id{});
          cv.notify_all();
          return;
        }
        if (n == batch_size) break;  // still scheduled: give the worker back
        fn = std::move(q.front());
        q.pop_front();
      }
      invoke(fn);
    }
    current.store(std::thread::id{});
    schedule_batch();
  }

  void schedule_batch() {
    try {
      sched([self = shared_from_this()] { self->run_batch(); });
    } catch (...) {  // the scheduler refused: run the batch right here
      run_batch();
    }
  }
};

serial_executor::serial_executor(log_sink log)
    : impl_(std::make_shared<impl>(scheduler{}, std::move(log))) {
  impl_->thread = std::thread([self = impl_] { self->thread_loop(); });
}

serial_executor::serial_executor(scheduler on, log_sink log)
    : impl_(std::make_shared<impl>(std::move(on), std::move(log))) {
  if (!impl_->sched) impl_->thread = std::thread([self = impl_] { self->thread_loop(); });
}

serial_executor::~serial_executor() { stop(); }

bool serial_executor::post(std::function<void()> fn) {
  impl& im = *impl_;
  bool schedule = false;
  {
    std::unique_lock<std::mutex> lk(im.m);
    if (im.done) {
      lk.unlock();
      fn = nullptr;  // destroyed outside the lock
      return false;
    }
    im.q.push_back(std::move(fn));
    if (im.sched && !im.scheduled) schedule = im.scheduled = true;
  }
  if (schedule) {
    im.schedule_batch();
  } else if (!im.sched) {
    im.cv.notify_one();
  }
  return true;
}

void serial_executor::stop() noexcept {
  impl& im = *impl_;
  const bool inside = running_in_this_thread();
  std::thread t;
  {
    std::unique_lock<std::mutex> lk(im.m);
    im.stopping = true;
    if (im.sched && !im.scheduled) im.done = true;
    im.cv.notify_all();
    t = std::move(im.thread);  // one caller joins (or detaches)
    // Nothing to join here (pool mode, or another stop() took the thread):
    // wait for the end all the same.
    if (!inside && !t.joinable()) im.cv.wait(lk, [&im] { return im.done; });
  }
  if (!t.joinable()) return;
  if (inside) {
    t.detach();  // the loop ends by itself once the queue is empty
  } else {
    t.join();
  }
}

bool serial_executor::running_in_this_thread() const noexcept {
  return impl_->current.load() == std::this_thread::get_id();
}

}  // namespace sensorhub

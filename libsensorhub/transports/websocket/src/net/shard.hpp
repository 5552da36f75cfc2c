// SPDX-License-Identifier: MIT
#pragma once

#include <asio.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "policy/frame_cache.hpp"
#include "net/frames.hpp"
#include "net/out_queue.hpp"

namespace sensorhub::ws_detail {

class conn;
class server;

// One network thread: its io_context, the connections it owns, and the
// passes that carry work to them.
//
// post() does not become one Asio handler per call: functions queue up and
// one pass runs every function queued since the previous pass (in slices,
// so a reply or a read is never stuck behind a long fan-out). Output a pass
// produces is corked: a connection written to during the pass is flushed
// once at the end of the slice, so many frames leave in one sendmsg.
// Everything else, the live set included, is touched on this thread only;
// post() may be called from any thread.
class shard : public std::enable_shared_from_this<shard> {
 public:
  using clock = std::chrono::steady_clock;

  shard(server& owner, std::size_t index);
  ~shard();
  shard(const shard&) = delete;
  shard& operator=(const shard&) = delete;

  asio::io_context& io() noexcept { return io_; }
  server& owner() noexcept { return owner_; }
  std::size_t index() const noexcept { return index_; }

  void start();
  // Ends the thread (after the server drained its connections) and drops
  // what is left. Not from this thread.
  void stop_and_join() noexcept;

  // Runs fn on this thread in the next pass, after everything posted
  // before. Any thread; never blocks on I/O. Dropped once the shard stopped.
  void post(std::function<void()> fn);
  // Runs fn on this thread as soon as the current slice of a pass is done,
  // ahead of the rest of the pass (an HTTP answer never waits for a whole
  // fan-out). Corked. Any thread; dropped once the shard stopped.
  void post_urgent(std::function<void()> fn);

  // While a cork is alive on this thread, connections that queue output
  // are flushed when the outermost cork ends.
  class cork {
   public:
    explicit cork(shard& s) noexcept : s_(s) { ++s_.cork_depth_; }
    ~cork() {
      if (--s_.cork_depth_ == 0) s_.flush_dirty();
    }
    cork(const cork&) = delete;
    cork& operator=(const cork&) = delete;

   private:
    shard& s_;
  };
  // c has output to flush: now, or at the end of the current cork.
  void want_flush(const std::shared_ptr<conn>& c);

  // The receive buffer every connection of this thread reads into (the
  // bytes are consumed before the next read, so one buffer serves all).
  char* rx_data() noexcept { return rx_.data(); }
  std::size_t rx_size() const noexcept { return rx_.size(); }

  // Frames for this thread's connections (text replies, control frames).
  frame_maker& maker() noexcept { return maker_; }
  // The event's frame, made once for every thread (server::event_frame)
  // and remembered here so most lookups take no lock.
  out_queue::bytes event_frame(const std::shared_ptr<const std::string>& json);

  // The live set (this thread).
  void adopt(const std::shared_ptr<conn>& c);
  void forget(conn& c);
  template <class F>
  void for_each(F&& f) {
    auto copy = live_;  // f may close (and forget) connections
    for (auto& c : copy) f(*c);
  }
  std::size_t live() const noexcept { return live_.size(); }

  // The sum and the largest of this thread's WebSocket backlogs as of its
  // last sweep (server::total_backlog). Any thread.
  std::size_t backlog_total() const noexcept { return backlog_total_.load(); }
  std::size_t backlog_largest() const noexcept { return backlog_largest_.load(); }
  // A backlog of this thread grew by another budget_step: checks the
  // global budget soon, without waiting for the sweep (at most one check
  // pending). This thread.
  void request_budget_check();
  static constexpr std::size_t budget_step = 256u << 10;

 private:
  void run_thread();
  void run_pass();
  // Runs one posted function; what it throws is logged, never propagated.
  void run_task(const std::function<void()>& fn) noexcept;
  void flush_dirty();
  void schedule_sweep();
  // Publishes this thread's backlogs; over the global budget, cuts its
  // largest while it holds the largest of all threads.
  void enforce_backlog_budget();

  server& owner_;
  const std::size_t index_;
  asio::io_context io_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  asio::steady_timer sweep_timer_{io_};
  std::thread thread_;
  std::atomic<bool> stopped_{false};
  std::atomic<std::size_t> backlog_total_{0};
  std::atomic<std::size_t> backlog_largest_{0};

  std::mutex m_;
  std::vector<std::function<void()>> queue_;  // guarded by m_
  bool scheduled_ = false;                    // a pass is posted; guarded by m_

  // This thread only.
  std::vector<std::function<void()>> running_;
  std::size_t running_pos_ = 0;
  int cork_depth_ = 0;
  std::vector<std::shared_ptr<conn>> dirty_;
  std::vector<std::shared_ptr<conn>> live_;
  std::vector<char> rx_;
  bool budget_check_pending_ = false;
  frame_cache<out_queue::bytes> frames_{256};
  frame_maker maker_;
};

}  // namespace sensorhub::ws_detail

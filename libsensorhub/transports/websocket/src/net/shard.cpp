// SPDX-License-Identifier: MIT
#include "net/shard.hpp"

#include <algorithm>
#include <exception>
#include <string>
#include <utility>

#include "net/conn.hpp"
#include "net/server.hpp"
#include "policy/ping_sweeper.hpp"

namespace sensorhub::ws_detail {
namespace {

// Functions run per slice of a pass before the corked output is flushed
// and other handlers (reads, replies) get their turn.
constexpr std::size_t slice = 128;
constexpr std::size_t rx_bytes = 64u << 10;

}  // namespace

shard::shard(server& owner, std::size_t index) : owner_(owner), index_(index), rx_(rx_bytes) {}

shard::~shard() = default;

void shard::start() {
  work_.emplace(asio::make_work_guard(io_));
  schedule_sweep();
  thread_ = std::thread([this] { run_thread(); });
}

void shard::run_thread() {
  for (;;) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      owner_.log(log_level::error, std::string("network thread: ") + e.what());
    } catch (...) {
      owner_.log(log_level::error, "network thread: unknown exception");
    }
  }
}

void shard::stop_and_join() noexcept {
  stopped_.store(true);
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  // The thread is gone: drop what is left from here.
  auto left = std::move(live_);  // terminate() forgets each one
  live_.clear();
  for (auto& c : left) c->terminate();
  dirty_.clear();
  running_.clear();
  std::lock_guard<std::mutex> lk(m_);
  queue_.clear();
}

void shard::post(std::function<void()> fn) {
  if (stopped_.load()) return;
  bool schedule = false;
  {
    std::lock_guard<std::mutex> lk(m_);
    queue_.push_back(std::move(fn));
    schedule = !scheduled_;
    scheduled_ = true;
  }
  if (schedule) asio::post(io_, [this] { run_pass(); });
}

void shard::post_urgent(std::function<void()> fn) {
  if (stopped_.load()) return;
  asio::post(io_, [this, fn = std::move(fn)] {
    cork c(*this);
    run_task(fn);
  });
}

void shard::run_task(const std::function<void()>& fn) noexcept {
  try {
    fn();
  } catch (const std::exception& e) {
    owner_.log(log_level::error, std::string("network thread: a task threw: ") + e.what());
  } catch (...) {
    owner_.log(log_level::error, "network thread: a task threw");
  }
}

void shard::run_pass() {
  if (running_pos_ == running_.size()) {
    running_.clear();
    running_pos_ = 0;
    std::lock_guard<std::mutex> lk(m_);
    running_.swap(queue_);
    if (running_.empty()) {
      scheduled_ = false;
      return;
    }
  }
  {
    cork c(*this);
    const std::size_t end = std::min(running_.size(), running_pos_ + slice);
    for (; running_pos_ < end; ++running_pos_) {
      const auto fn = std::move(running_[running_pos_]);
      run_task(fn);
    }
  }
  // The rest of this pass (or the next one) after the handlers that queued
  // up meanwhile.
  asio::post(io_, [this] { run_pass(); });
}

void shard::want_flush(const std::shared_ptr<conn>& c) {
  if (cork_depth_ > 0) {
    dirty_.push_back(c);
  } else {
    c->flush();
  }
}

void shard::flush_dirty() {
  ++cork_depth_;  // a flush that closes a connection may queue more output
  for (std::size_t i = 0; i < dirty_.size(); ++i) {
    auto c = std::move(dirty_[i]);
    c->flush();
  }
  dirty_.clear();
  --cork_depth_;
}

out_queue::bytes shard::event_frame(const std::shared_ptr<const std::string>& json) {
  return frames_.get(json, [this, &json](const std::string&) { return owner_.event_frame(json); });
}

void shard::adopt(const std::shared_ptr<conn>& c) {
  c->live_index = live_.size();
  live_.push_back(c);
}

void shard::forget(conn& c) {
  const std::size_t i = c.live_index;
  if (i >= live_.size() || live_[i].get() != &c) return;
  if (i + 1 != live_.size()) {
    live_[i] = std::move(live_.back());
    live_[i]->live_index = i;
  }
  live_.pop_back();
  c.live_index = static_cast<std::size_t>(-1);
}

// SPEC §3: all subscriber backlogs together have a budget; past it the
// largest are cut first, by the slow-consumer rule. Every thread measures
// its own connections each sweep; the one holding the largest backlog of
// all cuts it and looks again, so the cuts go largest first across threads
// (the others' figures are at most one sweep old).
void shard::enforce_backlog_budget() {
  std::vector<std::pair<std::size_t, std::shared_ptr<conn>>> heap;
  std::size_t total = 0;
  for (const auto& c : live_) {
    const std::size_t b = c->ws_backlog();
    if (b == 0) continue;
    total += b;
    heap.emplace_back(b, c);
  }
  const auto by_size = [](const auto& a, const auto& b) { return a.first < b.first; };
  std::make_heap(heap.begin(), heap.end(), by_size);
  const auto publish = [&] {
    backlog_total_.store(total);
    backlog_largest_.store(heap.empty() ? 0 : heap.front().first);
  };
  publish();
  const std::size_t budget = owner_.options().total_backlog_limit;
  if (budget == 0) return;
  while (!heap.empty()) {
    const std::size_t all = owner_.total_backlog();
    if (all <= budget || heap.front().first < owner_.largest_backlog_except(this)) break;
    std::pop_heap(heap.begin(), heap.end(), by_size);
    auto [bytes, c] = std::move(heap.back());
    heap.pop_back();
    const std::string why = "backlog budget: cutting the largest subscriber backlog (" +
                            std::to_string(bytes) + " bytes; all backlogs " + std::to_string(all) +
                            " bytes, budget " + std::to_string(budget) + ")";
    c->cut_slow_consumer(why);
    total -= bytes;
    publish();
  }
}

void shard::request_budget_check() {
  if (budget_check_pending_ || owner_.options().total_backlog_limit == 0) return;
  budget_check_pending_ = true;
  asio::post(io_, [this] {
    budget_check_pending_ = false;
    if (stopped_.load()) return;
    cork c(*this);
    enforce_backlog_budget();
  });
}

void shard::schedule_sweep() {
  sweep_timer_.expires_after(ping_sweeper::period);
  sweep_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopped_.load()) return;
    {
      cork c(*this);
      const auto now = clock::now();
      for_each([now](conn& x) { x.tick(now); });
      enforce_backlog_budget();
    }
    frames_.sweep();
    if (index_ == 0) owner_.sweep_frames();
    schedule_sweep();
  });
}

}  // namespace sensorhub::ws_detail

// SPDX-License-Identifier: MIT
#include "detail/liveness_thread.hpp"

#include <utility>
#include <vector>

#include "json/json_writer.hpp"

namespace sensorhub::detail {

std::string liveness_data_json(const liveness_row& row, const std::string& node) {
  json_writer w;
  w.begin_object();
  w.key("sensor_id").i64(row.sensor_id);
  w.key("tipo").str(row.tipo);
  w.key("last_reading_at");
  if (row.last_reading_at) {
    w.str(format_time(*row.last_reading_at));
  } else {
    w.null();
  }
  if (!node.empty()) w.key("node").str(node);
  w.end_object();
  return w.take();
}

liveness_thread::liveness_thread(repository& repo, staleness_policy policy, log_sink log,
                                 std::atomic<std::uint64_t>& stale, std::string node)
    : repo_(repo),
      policy_(std::move(policy)),
      log_(std::move(log)),
      node_(std::move(node)),
      stale_(stale),
      thread_([this] { loop(); }) {}

liveness_thread::~liveness_thread() { stop(); }

void liveness_thread::stop() noexcept {
  {
    std::lock_guard<std::mutex> lk(m_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void liveness_thread::pass() {
  const auto rows = repo_.liveness();
  const timestamp at = now();
  std::vector<std::pair<const liveness_row*, bool>> flips;  // row, stale now
  std::uint64_t stale = 0;
  for (const liveness_row& r : rows) {
    // A sensor without readings keeps its flag (no reading arrived).
    const bool s = r.last_reading_at ? is_stale(policy_, r.tipo, r.last_reading_at, at) : r.stale;
    if (s) ++stale;
    if (s != r.stale) flips.emplace_back(&r, s);
  }
  if (!flips.empty()) {
    repo_.write([this, &flips](write_tx& tx) {
      for (const auto& [row, s] : flips) {
        // set_stale is false when another writer already recorded it.
        if (!tx.set_stale(row->sensor_id, s)) continue;
        system_change change;
        change.name = s ? "sensor_stale" : "sensor_fresh";
        change.data_json = liveness_data_json(*row, node_);
        tx.append(change);
      }
    });
  }
  stale_.store(stale, std::memory_order_relaxed);
}

void liveness_thread::loop() {
  const auto interval = policy_.check_interval();
  std::unique_lock<std::mutex> lk(m_);
  while (!stopping_) {
    lk.unlock();
    try {
      pass();
    } catch (...) {  // storage trouble: retry on the next pass
      log_to(log_, log_level::warn, describe("liveness check failed", std::current_exception()));
    }
    lk.lock();
    cv_.wait_for(lk, interval, [this] { return stopping_; });
  }
}

}  // namespace sensorhub::detail

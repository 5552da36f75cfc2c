// SPDX-License-Identifier: MIT
#include "storage/postgres/pg_tail.hpp"

#include <pqxx/connection>
#include <pqxx/except>
#include <pqxx/nontransaction>
#include <pqxx/notification>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>

#include "storage/postgres/pg_rows.hpp"

namespace sensorhub::detail {

namespace {

constexpr long batch_rows = 1000;

std::int64_t steady_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// LISTEN for as long as it lives; the notifications themselves carry nothing
// the tail needs.
class wake_receiver final : public pqxx::notification_receiver {
 public:
  explicit wake_receiver(pqxx::connection_base& c)
      : pqxx::notification_receiver(c, pg_notify_channel) {}
  void operator()(const std::string&, int) override {}
};

const std::string& sql_tail() {
  static const std::string sql = std::string("SELECT ") + pg_event_columns +
                                 " FROM events WHERE seq > $1 ORDER BY seq LIMIT " +
                                 std::to_string(batch_rows);
  return sql;
}

}  // namespace

pg_tail::pg_tail(std::string uri, std::uint64_t start_seq, std::chrono::milliseconds poll_interval,
                 std::chrono::milliseconds max_backoff, deliver_fn deliver, log_sink log)
    : uri_(std::move(uri)),
      poll_interval_(std::max(poll_interval, std::chrono::milliseconds(1))),
      max_backoff_(std::max(max_backoff, std::chrono::milliseconds(10))),
      deliver_(std::move(deliver)),
      log_(std::move(log)),
      published_(start_seq),
      thread_([this] { loop(); }) {}

pg_tail::~pg_tail() {
  {
    std::lock_guard<std::mutex> lk(m_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  published_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool pg_tail::wait_published(std::uint64_t seq, std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lk(m_);
  return published_cv_.wait_for(lk, timeout, [&] {
    return published_.load() >= seq || stopping_.load();
  }) && published_.load() >= seq;
}

bool pg_tail::healthy() const noexcept {
  if (!connected_.load()) return false;
  const auto limit = std::max<std::int64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(poll_interval_).count() * 5,
      2'000'000'000);
  return steady_ns() - last_ok_ns_.load() < limit;
}

void pg_tail::loop() {
  std::chrono::milliseconds backoff{10};
  while (!stopping_) {
    try {
      run_connected();
      backoff = std::chrono::milliseconds{10};
    } catch (const std::exception& e) {
      connected_ = false;
      log_to(log_, log_level::warn,
             std::string("postgres outbox tail: ") + e.what() + " (reconnecting in " +
                 std::to_string(backoff.count()) + " ms)");
      std::unique_lock<std::mutex> lk(m_);
      stop_cv_.wait_for(lk, backoff, [this] { return stopping_.load(); });
      backoff = std::min(backoff * 2, max_backoff_);
    }
  }
}

// One connection's life: LISTEN, then poll until stopped or it breaks
// (pqxx throws; loop() reconnects and polls again from published_).
void pg_tail::run_connected() {
  pqxx::connection c(uri_);
  wake_receiver listening(c);
  connected_ = true;
  const long wait_us = static_cast<long>(
      std::chrono::duration_cast<std::chrono::microseconds>(poll_interval_).count());
  while (!stopping_) {
    std::vector<event> batch;
    {
      pqxx::nontransaction tx(c);
      const pqxx::result r =
          tx.exec_params(sql_tail(), static_cast<std::int64_t>(published_.load()));
      batch.reserve(r.size());
      for (pqxx::result::size_type i = 0; i < r.size(); ++i) batch.push_back(pg_read_event(r[i]));
    }
    last_ok_ns_ = steady_ns();
    const bool full = static_cast<long>(batch.size()) == batch_rows;
    if (!batch.empty()) {
      const std::uint64_t last = batch.back().seq;
      try {
        deliver_(std::move(batch));
      } catch (const std::exception& e) {  // the events stay in the log for resume
        log_to(log_, log_level::error, std::string("publishing tailed events failed: ") + e.what());
      }
      {
        std::lock_guard<std::mutex> lk(m_);
        published_ = last;
      }
      published_cv_.notify_all();
    }
    if (full) continue;
    // Returns at once when a notification is pending (a commit during the
    // poll above, this node's own included); otherwise waits for one, or
    // the poll interval.
    c.await_notification(wait_us / 1'000'000, wait_us % 1'000'000);
  }
}

}  // namespace sensorhub::detail

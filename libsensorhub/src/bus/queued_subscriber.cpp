#include "sensorhub/subscribers/queued_subscriber.hpp"

#include <utility>

namespace sensorhub {

queued_subscriber::queued_subscriber(std::size_t backlog_limit_bytes)
    : limit_(backlog_limit_bytes) {}

void queued_subscriber::on_event(const event& e) {
  const std::size_t bytes = e.json ? e.json->size() : 0;
  bool went_non_empty = false;
  bool overflow = false;
  {
    std::lock_guard<std::mutex> lk(mutex_);
    if (closed_ || overflowed_.load()) return;
    if (queued_bytes_ + bytes + transport_backlog_.load() > limit_) {
      queue_.clear();
      queued_bytes_ = 0;
      overflowed_.store(true);
      overflow = true;
    } else {
      went_non_empty = queue_.empty();
      queue_.push_back(e);
      queued_bytes_ += bytes;
    }
  }
  // Called with no lock held; overflowed_ flipped under the lock above, so
  // on_overflow runs exactly once.
  if (overflow) {
    on_overflow();
  } else if (went_non_empty) {
    wake();
  }
}

std::size_t queued_subscriber::backlog_bytes() const noexcept {
  std::size_t queued = 0;
  {
    std::lock_guard<std::mutex> lk(mutex_);
    queued = queued_bytes_;
  }
  return queued + transport_backlog_.load();
}

std::size_t queued_subscriber::drain(const std::function<void(const event&)>& send) {
  std::size_t n = 0;
  for (;;) {
    std::vector<event> batch;
    {
      std::lock_guard<std::mutex> lk(mutex_);
      if (queue_.empty()) break;
      batch.swap(queue_);
      queued_bytes_ = 0;
    }
    for (const auto& e : batch) {
      send(e);
      ++n;
    }
  }
  return n;
}

void queued_subscriber::close_queue() {
  std::vector<event> dropped;  // freed outside the lock
  std::lock_guard<std::mutex> lk(mutex_);
  closed_ = true;
  dropped.swap(queue_);
  queued_bytes_ = 0;
}

}  // namespace sensorhub

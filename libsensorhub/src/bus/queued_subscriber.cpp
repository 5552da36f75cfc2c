// SPDX-License-Identifier: MIT
#include "sensorhub/subscribers/queued_subscriber.hpp"

#include <optional>
#include <utility>

#include "detail/publish_stamp.hpp"

namespace sensorhub {

namespace {

unsigned bit_of(channel c) noexcept { return 1u << static_cast<unsigned>(c); }

// Replaced and handed-on slots are reclaimed once they are at least this
// many and at least half the queue (amortized O(1) per event).
constexpr std::size_t compact_min_waste = 1024;

}  // namespace

queued_subscriber::queued_subscriber(std::size_t backlog_limit_bytes)
    : limit_(backlog_limit_bytes) {}

void queued_subscriber::on_event(const event& e) {
  const std::size_t bytes = e.json ? e.json->size() : 0;
  bool went_non_empty = false;
  bool overflow = false;
  bool replaced = false;
  std::vector<event> dropped;  // freed outside the lock
  {
    std::lock_guard<std::mutex> lk(mutex_);
    if (closed_ || overflowed_.load()) return;
    const bool was_empty = live_events() == 0;
    if (conflate_mask_.load(std::memory_order_relaxed) != 0) replaced = replace_waiting(e);
    if (queued_bytes_ + bytes + transport_backlog_.load() > limit_) {
      clear_queue(dropped);
      overflowed_.store(true);
      overflow = true;
    } else {
      went_non_empty = was_empty;
      push(e, bytes);
    }
  }
  // Called with no lock held; overflowed_ flipped under the lock above, so
  // on_overflow runs exactly once.
  if (replaced) on_conflated(e.chan);
  if (overflow) {
    on_overflow();
  } else if (went_non_empty) {
    wake();
  }
}

namespace {

// The key of an event that may be conflated (SPEC §11), if it is one.
template <typename Key>
std::optional<Key> key_of(const event& e) {
  if (e.kind != event_kind::entity) return std::nullopt;
  if (e.entity == entity_kind::sensor && e.type == event_type::updated) {
    return Key{e.entity_id, false};
  }
  if (e.entity == entity_kind::reading && e.type == event_type::created) {
    return Key{e.sensor_id, true};
  }
  return std::nullopt;
}

}  // namespace

bool queued_subscriber::replace_waiting(const event& e) {
  if ((conflate_mask_.load(std::memory_order_relaxed) & bit_of(e.chan)) == 0) return false;
  const auto key = key_of<conflation_key>(e);
  if (!key) return false;
  const auto it = index_.find(*key);
  if (it == index_.end()) return false;
  const std::size_t i = it->second;
  index_.erase(it);
  event& old = queue_[i];
  queued_bytes_ -= old.json ? old.json->size() : 0;
  old = event{};  // its memory goes now, the slot when compacted
  if (tombstones_.size() <= i) tombstones_.resize(queue_.size(), false);
  tombstones_[i] = true;
  ++dead_;
  compact();
  return true;
}

void queued_subscriber::push(const event& e, std::size_t bytes) {
  if ((conflate_mask_.load(std::memory_order_relaxed) & bit_of(e.chan)) != 0) {
    if (const auto key = key_of<conflation_key>(e)) index_[*key] = queue_.size();
  }
  queue_.push_back(e);
  queue_.back().queued_ns = detail::publish_stamp_ns;
  queued_bytes_ += bytes;
}

void queued_subscriber::compact() {
  const std::size_t waste = head_ + dead_;
  if (waste < compact_min_waste || waste * 2 < queue_.size()) return;
  std::vector<event> kept;
  kept.reserve(queue_.size() - waste);
  std::unordered_map<conflation_key, std::size_t, key_hash> index;
  for (std::size_t i = head_; i < queue_.size(); ++i) {
    if (is_dead(i)) continue;
    if (const auto key = key_of<conflation_key>(queue_[i])) {
      const auto it = index_.find(*key);
      if (it != index_.end() && it->second == i) index.emplace(*key, kept.size());
    }
    kept.push_back(std::move(queue_[i]));
  }
  queue_.swap(kept);
  index_.swap(index);
  tombstones_.clear();
  head_ = 0;
  dead_ = 0;
}

void queued_subscriber::clear_queue(std::vector<event>& out) {
  out.swap(queue_);
  queue_.clear();
  queued_bytes_ = 0;
  head_ = 0;
  dead_ = 0;
  tombstones_.clear();
  index_.clear();
}

std::size_t queued_subscriber::backlog_bytes() const noexcept {
  std::size_t queued = 0;
  {
    std::lock_guard<std::mutex> lk(mutex_);
    queued = queued_bytes_;
  }
  return queued + transport_backlog_.load();
}

std::size_t queued_subscriber::queued_events() const {
  std::lock_guard<std::mutex> lk(mutex_);
  return live_events();
}

void queued_subscriber::set_conflate(channel c, bool on) {
  if (on) {
    conflate_mask_.fetch_or(bit_of(c));
    return;
  }
  std::lock_guard<std::mutex> lk(mutex_);
  conflate_mask_.fetch_and(~bit_of(c));
  // Keys of c no longer name a replaceable event.
  const bool readings = c == channel::readings;
  if (c == channel::general) return;
  for (auto it = index_.begin(); it != index_.end();) {
    it = it->first.reading == readings ? index_.erase(it) : std::next(it);
  }
}

bool queued_subscriber::conflates(channel c) const noexcept {
  return (conflate_mask_.load(std::memory_order_relaxed) & bit_of(c)) != 0;
}

std::size_t queued_subscriber::drain(const std::function<void(const event&)>& send) {
  std::size_t n = 0;
  for (;;) {
    std::vector<event> batch;
    std::vector<bool> dead;
    std::size_t from = 0;
    {
      std::lock_guard<std::mutex> lk(mutex_);
      if (queue_.empty()) break;
      batch.swap(queue_);
      queued_bytes_ = 0;
      if (head_ != 0 || !tombstones_.empty()) {  // left over from conflation
        from = head_;
        dead.swap(tombstones_);
        head_ = 0;
        dead_ = 0;
      }
      if (!index_.empty()) index_.clear();
    }
    latency_batch waited;
    const std::int64_t now = queue_time_ != nullptr ? detail::steady_now_ns() : 0;
    for (std::size_t i = from; i < batch.size(); ++i) {
      if (i < dead.size() && dead[i]) continue;
      if (now != 0 && batch[i].queued_ns != 0) waited.add_ns(now - batch[i].queued_ns);
      send(batch[i]);
      ++n;
    }
    if (queue_time_ != nullptr) queue_time_->add(waited);
  }
  return n;
}

std::size_t queued_subscriber::drain_while(const std::function<bool()>& room,
                                           const std::function<void(const event&)>& send) {
  std::size_t n = 0;
  struct pumping_guard {  // cleared even if send throws
    std::atomic<bool>& flag;
    explicit pumping_guard(std::atomic<bool>& f) : flag(f) { flag.store(true); }
    ~pumping_guard() { flag.store(false); }
  };
  std::optional<pumping_guard> pumping(std::in_place, pumping_);
  latency_batch waited;
  std::int64_t now = 0;  // read once per call, at the first event handed on
  for (;;) {
    if (!room()) break;
    event e;
    {
      std::lock_guard<std::mutex> lk(mutex_);
      while (head_ < queue_.size() && is_dead(head_)) {
        ++head_;
        --dead_;
      }
      if (head_ == queue_.size()) {
        std::vector<event>().swap(queue_);  // idle: hold no block
        head_ = 0;
        dead_ = 0;
        tombstones_.clear();
        index_.clear();
        break;
      }
      e = std::move(queue_[head_]);
      queued_bytes_ -= e.json ? e.json->size() : 0;
      if (const auto key = key_of<conflation_key>(e)) {
        const auto it = index_.find(*key);
        if (it != index_.end() && it->second == head_) index_.erase(it);
      }
      ++head_;
      compact();
    }
    if (queue_time_ != nullptr && e.queued_ns != 0) {
      if (now == 0) now = detail::steady_now_ns();
      waited.add_ns(now - e.queued_ns);
    }
    send(e);
    ++n;
  }
  if (queue_time_ != nullptr) queue_time_->add(waited);
  pumping.reset();
  // A backlog report that came while pumping is not lost (the sends above
  // report too: with the last one at or over the watermark, nothing wakes).
  if (missed_report_.exchange(false)) resume_if_room(transport_backlog_.load());
  return n;
}

void queued_subscriber::set_transport_backlog(std::size_t bytes) noexcept {
  transport_backlog_.store(bytes);
  if (conflate_mask_.load(std::memory_order_relaxed) != 0) resume_if_room(bytes);
}

void queued_subscriber::resume_if_room(std::size_t transport_bytes) noexcept {
  if (transport_bytes >= handoff_watermark) return;
  if (pumping_.load()) {
    missed_report_.store(true);
    return;
  }
  try {
    {
      std::lock_guard<std::mutex> lk(mutex_);
      if (closed_ || overflowed_.load() || live_events() == 0) return;
    }
    wake();
  } catch (...) {  // could not schedule (out of memory): the next report retries
  }
}

void queued_subscriber::close_queue() {
  std::vector<event> dropped;  // freed outside the lock
  std::lock_guard<std::mutex> lk(mutex_);
  closed_ = true;
  clear_queue(dropped);
}

}  // namespace sensorhub

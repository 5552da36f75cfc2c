// SPDX-License-Identifier: MIT
#include "sensorhub/local_event_bus.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "detail/publish_stamp.hpp"

namespace sensorhub {

namespace {

// The identity of one subscription: a subscriber attached to one channel.
struct slot {
  slot(channel c, std::shared_ptr<subscriber> s) : chan(c), sub(std::move(s)) {}
  const channel chan;
  const std::shared_ptr<subscriber> sub;
  std::atomic<bool> active{true};
};

// One element of the copy-on-write list: set_filter swaps in a new entry
// for the same slot, so a publish reads each filter without any lock.
// `scope` is null for an unscoped subscription (the fan-out then skips the
// scope check entirely).
struct entry {
  std::shared_ptr<slot> s;
  std::shared_ptr<const event_filter> filter;
  std::shared_ptr<const data_scope> scope;
};

using entry_list = std::vector<entry>;

}  // namespace

// Shared with subscription handles through a weak_ptr, so a handle that
// outlives the bus cancels nothing and touches no freed memory.
struct local_event_bus::impl {
  // Serializes publishes: every subscriber sees one total order.
  std::mutex publish_mutex;
  // The thread inside publish() (default id when none): a cancel from that
  // thread must not take publish_mutex again.
  std::atomic<std::thread::id> publisher{};

  // Copy-on-write subscription list; the mutex only guards the pointer swap.
  mutable std::mutex list_mutex;
  std::shared_ptr<const entry_list> list = std::make_shared<const entry_list>();
  // Kept with the list (under list_mutex), so stats() is O(1) and a
  // greeting never walks every subscription: slots per channel and per
  // distinct subscriber.
  std::array<std::uint64_t, 3> channel_slots{};
  std::unordered_map<const subscriber*, std::size_t> subscriber_slots;

  void count(const slot& s, bool added) {
    auto& per_channel = channel_slots[static_cast<int>(s.chan)];
    if (added) {
      ++per_channel;
      ++subscriber_slots[s.sub.get()];
      return;
    }
    --per_channel;
    const auto it = subscriber_slots.find(s.sub.get());
    if (it != subscriber_slots.end() && --it->second == 0) subscriber_slots.erase(it);
  }

  explicit impl(log_sink l) : log(std::move(l)) {}

  const log_sink log;
  std::mutex handler_mutex;
  error_handler handler;  // empty: report to `log`

  std::array<std::atomic<std::uint64_t>, 3> messages_sent{};
  std::array<std::atomic<std::uint64_t>, 3> conflated{};
  std::atomic<std::uint64_t> events_published{0};
  std::atomic<std::uint64_t> last_seq{0};
  std::atomic<std::uint64_t> dropped{0};
  latency_histogram queue_time;

  std::shared_ptr<const entry_list> snapshot() const {
    std::lock_guard<std::mutex> lk(list_mutex);
    return list;
  }

  void add(entry e) {
    std::shared_ptr<const entry_list> old;  // released outside the lock
    std::lock_guard<std::mutex> lk(list_mutex);
    auto next = std::make_shared<entry_list>();
    next->reserve(list->size() + 1);
    next->insert(next->end(), list->begin(), list->end());
    count(*e.s, true);
    next->push_back(std::move(e));
    old = std::exchange(list, std::move(next));
  }

  void remove(const slot* s) {
    std::shared_ptr<const entry_list> old;  // released outside the lock
    std::lock_guard<std::mutex> lk(list_mutex);
    auto next = std::make_shared<entry_list>();
    next->reserve(list->size());
    for (const auto& x : *list) {
      if (x.s.get() != s) next->push_back(x);
    }
    if (next->size() != list->size()) count(*s, false);
    old = std::exchange(list, std::move(next));
  }

  void replace_filter(const slot* s, std::shared_ptr<const event_filter> f) {
    std::shared_ptr<const entry_list> old;  // released outside the lock
    std::lock_guard<std::mutex> lk(list_mutex);
    auto next = std::make_shared<entry_list>(*list);
    for (auto& x : *next) {
      if (x.s.get() == s) x.filter = f;
    }
    old = std::exchange(list, std::move(next));
  }

  void report(const std::exception_ptr& ex) noexcept {
    try {
      error_handler h;
      {
        std::lock_guard<std::mutex> lk(handler_mutex);
        h = handler;
      }
      if (h) {
        h(ex);
      } else {
        log_to(log, log_level::error, describe("event_bus: a subscriber threw", ex));
      }
    } catch (...) {  // a broken handler must not break publish
      log_to(log, log_level::error,
             describe("event_bus: the error handler threw", std::current_exception()));
    }
  }

  std::size_t deliver(const std::vector<event>& events) {
    std::size_t deliveries = 0;
    const auto entries = snapshot();
    for (const auto& e : events) {
      events_published.fetch_add(1, std::memory_order_relaxed);
      std::uint64_t prev = last_seq.load(std::memory_order_relaxed);
      while (e.seq > prev && !last_seq.compare_exchange_weak(prev, e.seq)) {
      }
      for (const auto& en : *entries) {
        const slot& sl = *en.s;
        if (sl.chan != e.chan || !sl.active.load(std::memory_order_acquire)) continue;
        try {
          const event* v = &e;
          if (en.scope) {  // the data scope check (data_scope.hpp), before the filter
            v = scoped_view_ptr(e, *en.scope);
            if (v == nullptr) continue;
          }
          if (!en.filter->matches(*v)) continue;
          sl.sub->on_event(*v);
        } catch (...) {
          report(std::current_exception());
          continue;
        }
        ++deliveries;
        messages_sent[static_cast<int>(e.chan)].fetch_add(1, std::memory_order_relaxed);
      }
    }
    return deliveries;
  }
};

// The handle's side: weak pointers, so a handle that outlives the bus (or
// the subscriber) cancels nothing.
class local_event_bus::control final : public subscription::control {
 public:
  control(std::weak_ptr<impl> im, std::weak_ptr<slot> sl)
      : im_(std::move(im)), slot_(std::move(sl)) {}

  void cancel() noexcept override {
    auto im = im_.lock();
    auto sl = slot_.lock();
    if (!im || !sl) return;
    sl->active.store(false, std::memory_order_release);
    try {
      im->remove(sl.get());
    } catch (...) {  // out of memory: the inactive slot is skipped, never delivered to
      log_to(im->log, log_level::error,
             describe("event_bus: unsubscribe failed", std::current_exception()));
    }
    sl.reset();
    if (im->publisher.load() != std::this_thread::get_id()) {
      // Wait out a publish in progress: after this, no delivery is running
      // and later publishes see the slot inactive or not at all.
      std::lock_guard<std::mutex> lk(im->publish_mutex);
    }
  }

  void set_filter(event_filter filter) override {
    auto im = im_.lock();
    auto sl = slot_.lock();
    if (!im || !sl) return;
    im->replace_filter(sl.get(), std::make_shared<const event_filter>(std::move(filter)));
  }

 private:
  std::weak_ptr<impl> im_;
  std::weak_ptr<slot> slot_;
};

local_event_bus::local_event_bus(log_sink log) : impl_(std::make_shared<impl>(std::move(log))) {}

local_event_bus::~local_event_bus() = default;

subscription local_event_bus::subscribe(channel c, std::shared_ptr<subscriber> s,
                                        event_filter filter) {
  if (!s) return subscription{};
  auto sl = std::make_shared<slot>(c, std::move(s));
  impl_->add(entry{sl, std::make_shared<const event_filter>(std::move(filter)), nullptr});
  return subscription(std::make_unique<control>(impl_, sl));
}

subscription local_event_bus::subscribe_scoped(channel c, std::shared_ptr<subscriber> s,
                                               event_filter filter, data_scope scope) {
  if (scope.unrestricted()) return subscribe(c, std::move(s), std::move(filter));
  if (!s) return subscription{};
  auto sl = std::make_shared<slot>(c, std::move(s));
  impl_->add(entry{sl, std::make_shared<const event_filter>(std::move(filter)),
                   std::make_shared<const data_scope>(std::move(scope))});
  return subscription(std::make_unique<control>(impl_, sl));
}

std::size_t local_event_bus::publish(const std::vector<event>& events) {
  impl& im = *impl_;
  const auto me = std::this_thread::get_id();
  if (im.publisher.load() == me) {
    // Published from inside on_event: deliver nested, in place (already
    // serialized by the outer publish on this thread).
    return im.deliver(events);
  }
  std::lock_guard<std::mutex> lk(im.publish_mutex);
  im.publisher.store(me);
  struct reset_publisher {
    impl& i;
    ~reset_publisher() {
      i.publisher.store(std::thread::id{});
      detail::publish_stamp_ns = 0;
    }
  } guard{im};
  detail::publish_stamp_ns = detail::steady_now_ns();  // one clock read per publish call
  return im.deliver(events);
}

void local_event_bus::set_error_handler(error_handler handler) {
  std::lock_guard<std::mutex> lk(impl_->handler_mutex);
  impl_->handler = std::move(handler);
}

hub_stats local_event_bus::stats() const {
  hub_stats s;
  {
    std::lock_guard<std::mutex> lk(impl_->list_mutex);
    for (channel c : all_channels) {
      s.of(c).connections = impl_->channel_slots[static_cast<int>(c)];
    }
    s.total_connections = impl_->subscriber_slots.size();
  }
  for (channel c : all_channels) {
    s.of(c).messages_sent = impl_->messages_sent[static_cast<int>(c)].load();
    s.of(c).conflated = impl_->conflated[static_cast<int>(c)].load();
  }
  s.events_published = impl_->events_published.load();
  s.last_seq = impl_->last_seq.load();
  s.dropped_subscribers = impl_->dropped.load();
  s.delivery_queue_time = impl_->queue_time.snapshot();
  return s;
}

void local_event_bus::note_dropped_subscriber() { impl_->dropped.fetch_add(1); }

latency_histogram* local_event_bus::queue_time_histogram() noexcept { return &impl_->queue_time; }

void local_event_bus::note_conflated(channel c) noexcept {
  impl_->conflated[static_cast<int>(c)].fetch_add(1, std::memory_order_relaxed);
}

}  // namespace sensorhub

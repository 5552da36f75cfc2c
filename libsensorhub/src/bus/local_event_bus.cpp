#include "sensorhub/local_event_bus.hpp"

#include <array>
#include <atomic>
#include <mutex>
#include <thread>
#include <unordered_set>
#include <utility>

namespace sensorhub {

namespace {

// One subscription: a subscriber attached to one channel with one filter.
struct entry {
  entry(channel c, std::shared_ptr<subscriber> s, event_filter f)
      : chan(c), sub(std::move(s)), filter(std::move(f)) {}
  const channel chan;
  const std::shared_ptr<subscriber> sub;
  const event_filter filter;
  std::atomic<bool> active{true};
};

using entry_list = std::vector<std::shared_ptr<entry>>;

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

  std::mutex handler_mutex;
  error_handler handler;

  std::array<std::atomic<std::uint64_t>, 3> messages_sent{};
  std::atomic<std::uint64_t> events_published{0};
  std::atomic<std::uint64_t> last_seq{0};
  std::atomic<std::uint64_t> dropped{0};

  std::shared_ptr<const entry_list> snapshot() const {
    std::lock_guard<std::mutex> lk(list_mutex);
    return list;
  }

  void add(std::shared_ptr<entry> e) {
    std::lock_guard<std::mutex> lk(list_mutex);
    auto next = std::make_shared<entry_list>(*list);
    next->push_back(std::move(e));
    list = std::move(next);
  }

  void remove(const entry* e) {
    std::shared_ptr<const entry_list> old;  // released outside the lock
    std::lock_guard<std::mutex> lk(list_mutex);
    auto next = std::make_shared<entry_list>();
    next->reserve(list->size());
    for (const auto& x : *list) {
      if (x.get() != e) next->push_back(x);
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
      if (h) h(ex);
    } catch (...) {  // a broken handler must not break publish
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
        if (en->chan != e.chan || !en->active.load(std::memory_order_acquire)) continue;
        try {
          if (!en->filter.matches(e)) continue;
          en->sub->on_event(e);
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

local_event_bus::local_event_bus() : impl_(std::make_shared<impl>()) {}

local_event_bus::~local_event_bus() = default;

subscription local_event_bus::subscribe(channel c, std::shared_ptr<subscriber> s,
                                        event_filter filter) {
  if (!s) return subscription{};
  auto e = std::make_shared<entry>(c, std::move(s), std::move(filter));
  impl_->add(e);
  std::weak_ptr<impl> wimpl = impl_;
  std::weak_ptr<entry> wentry = e;
  return subscription([wimpl, wentry] {
    auto im = wimpl.lock();
    auto en = wentry.lock();
    if (!im || !en) return;
    en->active.store(false, std::memory_order_release);
    im->remove(en.get());
    en.reset();
    if (im->publisher.load() != std::this_thread::get_id()) {
      // Wait out a publish in progress: after this, no delivery is running
      // and later publishes see the entry inactive or not at all.
      std::lock_guard<std::mutex> lk(im->publish_mutex);
    }
  });
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
    ~reset_publisher() { i.publisher.store(std::thread::id{}); }
  } guard{im};
  return im.deliver(events);
}

void local_event_bus::set_error_handler(error_handler handler) {
  std::lock_guard<std::mutex> lk(impl_->handler_mutex);
  impl_->handler = std::move(handler);
}

hub_stats local_event_bus::stats() const {
  hub_stats s;
  const auto entries = impl_->snapshot();
  std::unordered_set<const subscriber*> distinct;
  for (const auto& en : *entries) {
    if (!en->active.load(std::memory_order_acquire)) continue;
    ++s.of(en->chan).connections;
    distinct.insert(en->sub.get());
  }
  s.total_connections = distinct.size();
  for (channel c : all_channels) {
    s.of(c).messages_sent = impl_->messages_sent[static_cast<int>(c)].load();
  }
  s.events_published = impl_->events_published.load();
  s.last_seq = impl_->last_seq.load();
  s.dropped_subscribers = impl_->dropped.load();
  return s;
}

void local_event_bus::note_dropped_subscriber() { impl_->dropped.fetch_add(1); }

}  // namespace sensorhub

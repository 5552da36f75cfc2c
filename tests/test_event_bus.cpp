// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/local_event_bus.hpp"
#include "support/gate.hpp"

using namespace sensorhub;
using sensorhub::testing::gate;
using sensorhub::testing::wait_until;

namespace {

event entity_ev(std::uint64_t seq, channel c, std::int64_t entity_id, std::int64_t sensor_id = 0,
                event_type type = event_type::created) {
  event e;
  e.seq = seq;
  e.chan = c;
  e.kind = event_kind::entity;
  e.entity = c == channel::readings ? entity_kind::reading : entity_kind::sensor;
  e.type = type;
  e.entity_id = entity_id;
  e.sensor_id = sensor_id;
  e.json = std::make_shared<const std::string>("{\"seq\":" + std::to_string(seq) +
                                               ",\"entity_id\":" + std::to_string(entity_id) + "}");
  return e;
}

event system_ev(std::uint64_t seq, const std::string& name) {
  event e;
  e.seq = seq;
  e.chan = channel::general;
  e.kind = event_kind::system;
  e.name = name;
  e.json = std::make_shared<const std::string>("{\"event\":\"" + name + "\"}");
  return e;
}

// Records what it receives; on_event is never concurrent for one
// subscriber, the mutex only publishes the data to the reading thread.
class recorder : public subscriber {
 public:
  std::function<void(const event&)> hook;
  void on_event(const event& e) override {
    {
      std::lock_guard<std::mutex> lk(m_);
      got_.push_back(e);
    }
    if (hook) hook(e);
  }
  std::vector<event> got() const {
    std::lock_guard<std::mutex> lk(m_);
    return got_;
  }
  std::size_t count() const {
    std::lock_guard<std::mutex> lk(m_);
    return got_.size();
  }

 private:
  mutable std::mutex m_;
  std::vector<event> got_;
};

}  // namespace

TEST_CASE("4 publishers, 100 subscribers: exactly once, per-publisher order, one total order") {
  local_event_bus bus;
  constexpr int publishers = 4;
  constexpr int per_publisher = 250;
  constexpr int subscribers = 100;

  std::vector<std::shared_ptr<recorder>> subs;
  std::vector<subscription> handles;
  for (int i = 0; i < subscribers; ++i) {
    subs.push_back(std::make_shared<recorder>());
    handles.push_back(bus.subscribe(channel::sensors, subs.back()));
  }

  std::atomic<std::size_t> deliveries{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < publishers; ++p) {
    threads.emplace_back([&bus, &deliveries, p] {
      for (int i = 0; i < per_publisher; ++i) {
        // entity_id names the publisher, sensor_id its counter.
        if (i % 2 == 0) {
          deliveries += bus.publish(entity_ev(0, channel::sensors, p, i));
        } else {
          deliveries += bus.publish(std::vector<event>{entity_ev(0, channel::sensors, p, i)});
        }
      }
    });
  }
  for (auto& t : threads) t.join();

  CHECK(deliveries.load() == static_cast<std::size_t>(publishers * per_publisher * subscribers));
  const auto reference = subs.front()->got();
  REQUIRE(reference.size() == static_cast<std::size_t>(publishers * per_publisher));

  // Per-publisher order, every event exactly once.
  std::vector<std::int64_t> next(publishers, 0);
  for (const auto& e : reference) {
    REQUIRE(e.entity_id >= 0);
    REQUIRE(e.entity_id < publishers);
    CHECK(e.sensor_id == next[static_cast<std::size_t>(e.entity_id)]);
    ++next[static_cast<std::size_t>(e.entity_id)];
  }
  for (auto n : next) CHECK(n == per_publisher);

  // Every subscriber saw the same total order (same shared json objects).
  for (const auto& s : subs) {
    const auto got = s->got();
    REQUIRE(got.size() == reference.size());
    bool same = true;
    for (std::size_t i = 0; i < got.size(); ++i) same = same && got[i].json == reference[i].json;
    CHECK(same);
  }

  const auto st = bus.stats();
  CHECK(st.events_published == static_cast<std::uint64_t>(publishers * per_publisher));
  CHECK(st.of(channel::sensors).messages_sent == deliveries.load());
  CHECK(st.of(channel::sensors).connections == static_cast<std::uint64_t>(subscribers));
  CHECK(st.total_connections == static_cast<std::uint64_t>(subscribers));
}

TEST_CASE("events go only to their channel's subscribers, in publish order") {
  local_event_bus bus;
  auto s = std::make_shared<recorder>();
  auto r = std::make_shared<recorder>();
  auto both = std::make_shared<recorder>();
  auto h1 = bus.subscribe(channel::sensors, s);
  auto h2 = bus.subscribe(channel::readings, r);
  auto h3 = bus.subscribe(channel::sensors, both);
  auto h4 = bus.subscribe(channel::readings, both);

  CHECK(bus.publish({entity_ev(1, channel::sensors, 1), entity_ev(2, channel::readings, 7),
                     entity_ev(3, channel::sensors, 2), system_ev(4, "x")}) == 6);
  REQUIRE(s->count() == 2);
  CHECK(s->got()[0].seq == 1);
  CHECK(s->got()[1].seq == 3);
  REQUIRE(r->count() == 1);
  CHECK(r->got()[0].seq == 2);
  REQUIRE(both->count() == 3);
  CHECK(both->got()[0].seq == 1);
  CHECK(both->got()[1].seq == 2);
  CHECK(both->got()[2].seq == 3);

  const auto st = bus.stats();
  CHECK(st.total_connections == 3);  // `both` counts once
  CHECK(st.of(channel::sensors).connections == 2);
  CHECK(st.of(channel::readings).connections == 2);
  CHECK(st.of(channel::general).connections == 0);
  CHECK(st.of(channel::sensors).messages_sent == 4);
  CHECK(st.of(channel::readings).messages_sent == 2);
  CHECK(st.of(channel::general).messages_sent == 0);
  CHECK(st.events_published == 4);
  CHECK(st.last_seq == 4);
}

TEST_CASE("filters select entity events, system events always pass") {
  local_event_bus bus;
  auto by_id = std::make_shared<recorder>();
  auto by_type = std::make_shared<recorder>();
  auto by_pred = std::make_shared<recorder>();
  event_filter f1;
  f1.entity_id = {2, 3};
  event_filter f2;
  f2.event_types = {event_type::deleted};
  f2.sensor_id = {10};
  event_filter f3;
  f3.predicate = [](const event& e) { return e.entity_id % 2 == 1; };
  auto h1 = bus.subscribe(channel::sensors, by_id, f1);
  auto h2 = bus.subscribe(channel::sensors, by_type, f2);
  auto h3 = bus.subscribe(channel::general, by_id, f1);

  auto h4 = bus.subscribe(channel::sensors, by_pred, f3);
  bus.publish({entity_ev(1, channel::sensors, 1, 10, event_type::deleted),
               entity_ev(2, channel::sensors, 2, 10, event_type::created),
               entity_ev(3, channel::sensors, 3, 11, event_type::deleted),
               entity_ev(4, channel::sensors, 4, 10, event_type::deleted),
               system_ev(5, "server_started")});

  std::vector<std::uint64_t> seqs;
  for (const auto& e : by_id->got()) seqs.push_back(e.seq);
  CHECK(seqs == std::vector<std::uint64_t>{2, 3, 5});
  seqs.clear();
  for (const auto& e : by_type->got()) seqs.push_back(e.seq);
  CHECK(seqs == std::vector<std::uint64_t>{1, 4});
  seqs.clear();
  for (const auto& e : by_pred->got()) seqs.push_back(e.seq);
  CHECK(seqs == std::vector<std::uint64_t>{1, 3});
}

TEST_CASE("unsubscribe from inside on_event stops delivery at once") {
  local_event_bus bus;
  auto self_cancel = std::make_shared<recorder>();
  auto other = std::make_shared<recorder>();
  auto victim = std::make_shared<recorder>();
  subscription self_handle;
  subscription victim_handle;
  self_cancel->hook = [&](const event& e) {
    if (e.seq == 2) {
      self_handle.reset();
      victim_handle.reset();  // another subscriber, later in the same list
    }
  };
  self_handle = bus.subscribe(channel::sensors, self_cancel);
  auto other_handle = bus.subscribe(channel::sensors, other);
  victim_handle = bus.subscribe(channel::sensors, victim);

  // One publish call with five events: cancellation takes effect mid-batch.
  bus.publish({entity_ev(1, channel::sensors, 1), entity_ev(2, channel::sensors, 1),
               entity_ev(3, channel::sensors, 1), entity_ev(4, channel::sensors, 1),
               entity_ev(5, channel::sensors, 1)});
  CHECK(self_cancel->count() == 2);
  CHECK(victim->count() == 1);  // event 2 reached `self_cancel` first, then it cancelled victim
  CHECK(other->count() == 5);
  CHECK_FALSE(self_handle);

  bus.publish(entity_ev(6, channel::sensors, 1));
  CHECK(self_cancel->count() == 2);
  CHECK(other->count() == 6);
  CHECK(bus.stats().of(channel::sensors).connections == 1);
}

TEST_CASE("subscribe from inside on_event does not deadlock, the new entry starts next publish") {
  local_event_bus bus;
  auto first = std::make_shared<recorder>();
  auto late = std::make_shared<recorder>();
  subscription late_handle;
  first->hook = [&](const event& e) {
    if (e.seq == 1) late_handle = bus.subscribe(channel::sensors, late);
  };
  auto h = bus.subscribe(channel::sensors, first);
  bus.publish({entity_ev(1, channel::sensors, 1), entity_ev(2, channel::sensors, 1)});
  CHECK(late->count() == 0);
  bus.publish(entity_ev(3, channel::sensors, 1));
  REQUIRE(late->count() == 1);
  CHECK(late->got()[0].seq == 3);
}

TEST_CASE("publish from inside on_event is delivered nested, without deadlock") {
  local_event_bus bus;
  auto relay = std::make_shared<recorder>();
  auto sink = std::make_shared<recorder>();
  relay->hook = [&](const event& e) { bus.publish(entity_ev(e.seq + 100, channel::readings, 1)); };
  auto h1 = bus.subscribe(channel::sensors, relay);
  auto h2 = bus.subscribe(channel::readings, sink);
  bus.publish(entity_ev(1, channel::sensors, 1));
  REQUIRE(sink->count() == 1);
  CHECK(sink->got()[0].seq == 101);
}

TEST_CASE("reset() from another thread waits for a delivery in progress") {
  local_event_bus bus;
  auto blocked = std::make_shared<recorder>();
  gate entered;
  gate release;
  std::atomic<bool> in_delivery{false};
  blocked->hook = [&](const event&) {
    in_delivery = true;
    entered.open();
    release.wait();
    in_delivery = false;
  };
  auto handle = bus.subscribe(channel::sensors, blocked);

  std::thread publisher([&] { bus.publish(entity_ev(1, channel::sensors, 1)); });
  REQUIRE(entered.wait());

  std::atomic<bool> reset_returned{false};
  bool delivery_running_after_reset = true;
  std::thread canceller([&] {
    handle.reset();
    delivery_running_after_reset = in_delivery.load();
    reset_returned = true;
  });
  // reset() has begun once the subscription is gone from the bus; only then
  // is on_event released, so a reset() that returned early would have seen
  // the delivery still running.
  CHECK(wait_until([&] { return bus.stats().of(channel::sensors).connections == 0; }));
  release.open();
  canceller.join();
  publisher.join();
  CHECK(reset_returned.load());
  CHECK_FALSE(delivery_running_after_reset);

  bus.publish(entity_ev(2, channel::sensors, 1));
  CHECK(blocked->count() == 1);
}

TEST_CASE("unsubscribing from another thread while publishers run: nothing arrives after reset") {
  local_event_bus bus;
  std::vector<std::shared_ptr<recorder>> subs;
  std::vector<subscription> handles;
  for (int i = 0; i < 20; ++i) {
    subs.push_back(std::make_shared<recorder>());
    handles.push_back(bus.subscribe(channel::readings, subs.back()));
  }
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> published{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < 2; ++p) {
    threads.emplace_back([&] {
      while (!stop) {
        bus.publish(entity_ev(0, channel::readings, 1));
        ++published;
      }
    });
  }
  std::vector<std::size_t> at_reset(subs.size());
  for (std::size_t i = 0; i < subs.size(); ++i) {
    const auto target = published.load() + 50;
    while (published.load() < target) std::this_thread::yield();
    handles[i].reset();
    at_reset[i] = subs[i]->count();
  }
  const auto target = published.load() + 200;
  while (published.load() < target) std::this_thread::yield();
  stop = true;
  for (auto& t : threads) t.join();

  for (std::size_t i = 0; i < subs.size(); ++i) CHECK(subs[i]->count() == at_reset[i]);
  CHECK(bus.stats().of(channel::readings).connections == 0);
  CHECK(bus.stats().total_connections == 0);
}

TEST_CASE("a throwing subscriber goes to the error handler, the others still receive") {
  local_event_bus bus;
  auto thrower = std::make_shared<recorder>();
  thrower->hook = [](const event& e) {
    if (e.seq % 2 == 0) throw std::runtime_error("boom " + std::to_string(e.seq));
  };
  auto before = std::make_shared<recorder>();
  auto after = std::make_shared<recorder>();
  auto h1 = bus.subscribe(channel::general, before);
  auto h2 = bus.subscribe(channel::general, thrower);
  auto h3 = bus.subscribe(channel::general, after);

  std::vector<std::string> errors;
  bus.set_error_handler([&](const std::exception_ptr& ex) {
    try {
      std::rethrow_exception(ex);
    } catch (const std::exception& e) {
      errors.emplace_back(e.what());
    }
  });
  // Failed deliveries are not counted.
  CHECK(bus.publish({system_ev(1, "a"), system_ev(2, "b"), system_ev(3, "c"), system_ev(4, "d")}) ==
        10);
  CHECK(before->count() == 4);
  CHECK(after->count() == 4);
  CHECK(thrower->count() == 4);
  CHECK(errors == std::vector<std::string>{"boom 2", "boom 4"});

  SUBCASE("a throwing error handler cannot break publish") {
    bus.set_error_handler([](const std::exception_ptr&) { throw std::logic_error("handler"); });
    CHECK_NOTHROW(bus.publish(system_ev(6, "e")));
    CHECK(after->count() == 5);
  }
  SUBCASE("without a handler the exception is dropped") {
    bus.set_error_handler({});
    CHECK_NOTHROW(bus.publish(system_ev(8, "f")));
    CHECK(after->count() == 5);
  }
}

TEST_CASE("stats rise and fall with subscriptions") {
  local_event_bus bus;
  auto a = std::make_shared<recorder>();
  auto b = std::make_shared<recorder>();
  CHECK(bus.stats().total_connections == 0);
  auto ha = bus.subscribe(channel::sensors, a);
  auto hb1 = bus.subscribe(channel::sensors, b);
  auto hb2 = bus.subscribe(channel::general, b);
  auto st = bus.stats();
  CHECK(st.total_connections == 2);
  CHECK(st.of(channel::sensors).connections == 2);
  CHECK(st.of(channel::general).connections == 1);

  hb1.reset();
  st = bus.stats();
  CHECK(st.total_connections == 2);  // b still on general
  CHECK(st.of(channel::sensors).connections == 1);
  hb2.reset();
  st = bus.stats();
  CHECK(st.total_connections == 1);
  CHECK(st.of(channel::general).connections == 0);

  { subscription moved = std::move(ha); }  // destroying a handle unsubscribes
  CHECK(bus.stats().total_connections == 0);
  CHECK(a.use_count() == 1);  // the bus let go of it

  bus.publish(entity_ev(9, channel::sensors, 1));
  st = bus.stats();
  CHECK(st.events_published == 1);
  CHECK(st.last_seq == 9);
  CHECK(st.of(channel::sensors).messages_sent == 0);
  bus.publish(event{});  // a test event (seq 0) does not lower last_seq
  CHECK(bus.stats().last_seq == 9);
  CHECK(bus.stats().events_published == 2);

  bus.note_dropped_subscriber();
  bus.note_dropped_subscriber();
  CHECK(bus.stats().dropped_subscribers == 2);
}

TEST_CASE("a subscription handle may outlive the bus") {
  auto s = std::make_shared<recorder>();
  subscription handle;
  {
    local_event_bus bus;
    handle = bus.subscribe(channel::sensors, s);
    CHECK(s.use_count() == 2);
  }
  CHECK(s.use_count() == 1);
  CHECK(static_cast<bool>(handle));
  CHECK_NOTHROW(handle.reset());
  CHECK_FALSE(handle);
}

TEST_CASE("subscribing a null subscriber yields an empty handle") {
  local_event_bus bus;
  auto h = bus.subscribe(channel::sensors, nullptr);
  CHECK_FALSE(h);
  CHECK(bus.stats().total_connections == 0);
}

TEST_CASE("set_filter swaps the filter on the bus: one cut, no gap, no duplicate") {
  local_event_bus bus;
  auto r = std::make_shared<recorder>();
  event_filter only_1;
  only_1.entity_id = {1};
  auto sub = bus.subscribe(channel::sensors, r, only_1);

  // A publisher alternates entity 1 and entity 2 while the filter moves from
  // {1} to {2}: what arrives is every 1 up to some seq k, then every 2 after k.
  // It runs until 1000 events after set_filter returned, so the swap always
  // happens mid-stream.
  constexpr std::uint64_t before = 5000;
  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> stop_after{UINT64_MAX};
  std::thread publisher([&] {
    for (std::uint64_t seq = 1; seq <= stop_after.load(); ++seq) {
      bus.publish(entity_ev(seq, channel::sensors, seq % 2 == 1 ? 1 : 2));
      published.store(seq);
    }
  });
  while (published.load() < before) std::this_thread::yield();
  event_filter only_2;
  only_2.entity_id = {2};
  CHECK(sub.set_filter(only_2));
  const std::uint64_t after_set = published.load();  // published before set_filter returned
  stop_after.store(after_set + 1000);
  publisher.join();
  const std::uint64_t n = published.load();

  const auto got = r->got();
  REQUIRE(!got.empty());
  std::size_t i = 0;
  std::uint64_t expect = 1;
  while (i < got.size() && got[i].entity_id == 1) {  // the 1s, each one, in order
    CHECK(got[i].seq == expect);
    expect += 2;
    ++i;
  }
  // The cut falls between two publishes: right after the last 1 delivered,
  // or one event later (a 2 published under the old filter).
  const std::uint64_t last_1 = expect - 2;
  CHECK(last_1 + 1 >= before);
  CHECK(last_1 <= after_set + 1);  // the publish in flight may finish with the old filter
  REQUIRE(i < got.size());
  CHECK((got[i].seq == last_1 + 1 || got[i].seq == last_1 + 3));
  expect = got[i].seq;
  for (; i < got.size(); ++i) {
    CHECK(got[i].entity_id == 2);
    CHECK(got[i].seq == expect);
    expect += 2;
  }
  CHECK(expect - 2 == (n % 2 == 0 ? n : n - 1));  // every 2 up to the last event
}

TEST_CASE("set_filter on an empty or cancelled handle changes nothing") {
  local_event_bus bus;
  subscription empty;
  CHECK_FALSE(empty.set_filter({}));

  auto r = std::make_shared<recorder>();
  auto sub = bus.subscribe(channel::sensors, r);
  auto moved = std::move(sub);
  CHECK_FALSE(sub.set_filter({}));  // NOLINT(bugprone-use-after-move): moved-from is empty
  moved.reset();
  bus.publish(entity_ev(1, channel::sensors, 1));
  CHECK(r->count() == 0);
  CHECK(bus.stats().total_connections == 0);
}

TEST_CASE("without an error handler a subscriber's exception goes to the bus's log sink") {
  std::mutex m;
  std::vector<std::pair<log_level, std::string>> lines;
  local_event_bus bus([&](log_level l, std::string_view msg) {
    std::lock_guard<std::mutex> lk(m);
    lines.emplace_back(l, std::string(msg));
  });
  auto thrower = std::make_shared<recorder>();
  thrower->hook = [](const event&) { throw std::runtime_error("boom"); };
  auto other = std::make_shared<recorder>();
  auto s1 = bus.subscribe(channel::sensors, thrower);
  auto s2 = bus.subscribe(channel::sensors, other);
  CHECK(bus.publish(entity_ev(1, channel::sensors, 1)) == 1);
  CHECK(other->count() == 1);
  std::lock_guard<std::mutex> lk(m);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].first == log_level::error);
  CHECK(lines[0].second.find("boom") != std::string::npos);
}

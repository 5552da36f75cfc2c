// SPDX-License-Identifier: MIT
// queued_subscriber's conflation (SPEC §11): which events are replaced,
// where the replacement goes, byte accounting, overflow, and the wake when
// the transport has room again.
#include <doctest/doctest.h>

#include <array>
#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/local_event_bus.hpp"
#include "sensorhub/subscribers/queued_subscriber.hpp"

using namespace sensorhub;

namespace {

event ev(std::uint64_t seq, std::size_t json_bytes = 10, channel c = channel::general) {
  event e;
  e.seq = seq;
  e.chan = c;
  e.kind = event_kind::system;
  e.json = std::make_shared<const std::string>(json_bytes, 'x');
  return e;
}

// Exposes the protected parts of queued_subscriber and counts its hooks.
class probe final : public queued_subscriber {
 public:
  explicit probe(std::size_t limit) : queued_subscriber(limit) {}
  std::vector<std::uint64_t> drain_all() {
    std::vector<std::uint64_t> out;
    drain([&](const event& e) { out.push_back(e.seq); });
    return out;
  }
  // Hands on at most `n` events (drain_while), the rest stay queued.
  std::vector<std::uint64_t> drain_some(std::size_t n) {
    std::vector<std::uint64_t> out;
    drain_while([&] { return out.size() < n; }, [&](const event& e) { out.push_back(e.seq); });
    return out;
  }
  void backlog(std::size_t n) { set_transport_backlog(n); }
  std::atomic<int> wakes{0};
  std::atomic<int> overflows{0};
  std::array<std::atomic<int>, 3> conflated{};

 private:
  void wake() override { ++wakes; }
  void on_overflow() override { ++overflows; }
  void on_conflated(channel c) noexcept override { ++conflated[static_cast<int>(c)]; }
};

// A reading of `sensor` committed with `seq` (its JSON `bytes` long).
event reading_ev(std::uint64_t seq, std::int64_t sensor, event_type t = event_type::created,
                 std::size_t bytes = 10) {
  event e = ev(seq, bytes, channel::readings);
  e.kind = event_kind::entity;
  e.entity = entity_kind::reading;
  e.type = t;
  e.entity_id = static_cast<std::int64_t>(seq) + 1000;
  e.sensor_id = sensor;
  return e;
}

event sensor_ev(std::uint64_t seq, std::int64_t id, event_type t = event_type::updated,
                std::size_t bytes = 10) {
  event e = ev(seq, bytes, channel::sensors);
  e.kind = event_kind::entity;
  e.entity = entity_kind::sensor;
  e.type = t;
  e.entity_id = id;
  e.sensor_id = id;
  return e;
}

}  // namespace

TEST_CASE("conflation: a waiting reading of the same sensor is replaced, the new one queued last") {
  probe p(1000);
  p.set_conflate(channel::readings, true);
  p.on_event(reading_ev(1, 7, event_type::created, 10));
  p.on_event(reading_ev(2, 8, event_type::created, 20));
  p.on_event(reading_ev(3, 7, event_type::created, 40));  // replaces 1, goes after 2
  CHECK(p.conflated[static_cast<int>(channel::readings)] == 1);
  CHECK(p.queued_events() == 2);
  CHECK(p.backlog_bytes() == 60);  // 1's bytes are gone
  p.on_event(sensor_ev(4, 7));     // a sensor update keyed 7 is another key
  p.on_event(reading_ev(5, 8, event_type::created, 5));
  CHECK(p.conflated[static_cast<int>(channel::readings)] == 2);
  CHECK(p.backlog_bytes() == 55);
  CHECK(p.drain_all() == std::vector<std::uint64_t>{3, 4, 5});
  CHECK(p.backlog_bytes() == 0);
  CHECK(p.overflows == 0);
}

TEST_CASE("conflation: sensor updates are keyed by entity_id") {
  probe p(1000);
  p.set_conflate(channel::sensors, true);
  CHECK(p.conflates(channel::sensors));
  CHECK_FALSE(p.conflates(channel::readings));
  for (std::uint64_t seq = 1; seq <= 9; ++seq) p.on_event(sensor_ev(seq, 1 + seq % 3));
  CHECK(p.conflated[static_cast<int>(channel::sensors)] == 6);
  CHECK(p.drain_all() == std::vector<std::uint64_t>{7, 8, 9});
}

TEST_CASE("conflation: every other kind of event is never replaced") {
  probe p(100000);
  for (channel c : all_channels) p.set_conflate(c, true);
  std::vector<event> kept = {sensor_ev(1, 5, event_type::created),
                             sensor_ev(2, 5, event_type::created),
                             sensor_ev(3, 5, event_type::deleted),
                             sensor_ev(4, 5, event_type::deleted),
                             sensor_ev(5, 5, event_type::scope_left),
                             sensor_ev(6, 5, event_type::scope_left),
                             sensor_ev(7, 5, event_type::scope_entered),
                             sensor_ev(8, 5, event_type::scope_entered),
                             reading_ev(9, 5, event_type::updated),
                             reading_ev(10, 5, event_type::updated),
                             reading_ev(11, 5, event_type::deleted),
                             reading_ev(12, 5, event_type::deleted),
                             ev(13),
                             ev(14),
                             ev(0),  // test events (no seq)
                             ev(0)};
  for (auto& e : kept) {
    e.entity_id = 5;  // same ids everywhere: only the kind decides
    p.on_event(e);
  }
  for (const auto& n : p.conflated) CHECK(n == 0);
  const auto got = p.drain_all();
  CHECK(got.size() == kept.size());
}

TEST_CASE("conflation: off per channel, and off again after set_conflate(false)") {
  probe p(1000);
  p.on_event(reading_ev(1, 7));
  p.on_event(reading_ev(2, 7));  // readings do not conflate yet
  p.set_conflate(channel::sensors, true);
  p.on_event(reading_ev(3, 7));
  CHECK(p.drain_all() == std::vector<std::uint64_t>{1, 2, 3});
  p.set_conflate(channel::readings, true);
  p.on_event(reading_ev(4, 7));
  p.set_conflate(channel::readings, false);
  p.on_event(reading_ev(5, 7));  // 4 no longer replaceable
  CHECK(p.drain_all() == std::vector<std::uint64_t>{4, 5});
  CHECK(p.conflated[static_cast<int>(channel::readings)] == 0);
}

TEST_CASE("conflation: only what still waits is replaced (drain_while hands on in order)") {
  probe p(1000);
  p.set_conflate(channel::readings, true);
  p.on_event(reading_ev(1, 1));
  p.on_event(reading_ev(2, 2));
  p.on_event(reading_ev(3, 3));
  CHECK(p.drain_some(1) == std::vector<std::uint64_t>{1});
  CHECK(p.backlog_bytes() == 20);
  p.on_event(reading_ev(4, 1));  // 1 was handed on: nothing to replace
  p.on_event(reading_ev(5, 2));  // replaces 2
  CHECK(p.conflated[static_cast<int>(channel::readings)] == 1);
  CHECK(p.drain_some(2) == std::vector<std::uint64_t>{3, 4});
  p.on_event(reading_ev(6, 2));  // replaces 5
  CHECK(p.drain_some(10) == std::vector<std::uint64_t>{6});
  CHECK(p.queued_events() == 0);
  CHECK(p.backlog_bytes() == 0);
  p.on_event(reading_ev(7, 2));  // the queue emptied: a fresh start wakes again
  CHECK(p.drain_all() == std::vector<std::uint64_t>{7});
}

TEST_CASE("conflation: many events for few keys keep one each, seq ascending") {
  probe p(4096);  // far less than 50,000 events of 10 bytes
  p.set_conflate(channel::readings, true);
  std::uint64_t seq = 0;
  for (int round = 0; round < 5000; ++round) {
    for (std::int64_t sensor = 1; sensor <= 10; ++sensor) p.on_event(reading_ev(++seq, sensor));
    if (round % 997 == 0) p.drain_some(3);  // a consumer that reads a little now and then
  }
  CHECK(p.overflows == 0);
  CHECK(p.queued_events() == 10);
  CHECK(p.backlog_bytes() == 100);
  CHECK(p.drain_all() == std::vector<std::uint64_t>{49991, 49992, 49993, 49994, 49995, 49996, 49997,
                                                    49998, 49999, 50000});
  CHECK(p.conflated[static_cast<int>(channel::readings)] == 50000 - 10 - 18);  // 6 x 3 handed on
}

TEST_CASE("conflation: a backlog that still passes the limit overflows") {
  probe p(100);
  p.set_conflate(channel::readings, true);
  p.on_event(reading_ev(1, 1, event_type::created, 30));
  p.on_event(reading_ev(2, 1, event_type::created, 30));  // replaces: 30 bytes queued
  p.on_event(reading_ev(3, 2, event_type::created, 30));
  p.on_event(reading_ev(4, 3, event_type::created, 30));
  CHECK(p.overflows == 0);
  CHECK(p.backlog_bytes() == 90);
  p.on_event(reading_ev(5, 4, event_type::created, 30));  // a 4th key: 120 > 100
  CHECK(p.overflows == 1);
  CHECK(p.overflowed());
  CHECK(p.drain_all().empty());
  CHECK(p.backlog_bytes() == 0);
}

TEST_CASE("conflation: a falling transport backlog wakes a subscriber whose events wait") {
  probe p(1 << 20);
  p.backlog(0);
  CHECK(p.wakes == 0);  // nothing waits
  p.set_conflate(channel::readings, true);
  p.on_event(reading_ev(1, 1));
  CHECK(p.wakes == 1);  // empty -> non-empty
  p.backlog(queued_subscriber::handoff_watermark);
  CHECK(p.wakes == 1);  // no room yet
  p.backlog(queued_subscriber::handoff_watermark - 1);
  CHECK(p.wakes == 2);
  p.drain_all();
  p.backlog(0);
  CHECK(p.wakes == 2);  // nothing waits

  probe plain(1 << 20);  // without conflation a backlog report never wakes
  plain.on_event(ev(1));
  plain.backlog(0);
  CHECK(plain.wakes == 1);
}

TEST_CASE("conflation under a concurrent publisher and a consumer ends with each latest") {
  local_event_bus bus;
  auto p = std::make_shared<probe>(1 << 20);
  p->set_conflate(channel::readings, true);
  auto h = bus.subscribe(channel::readings, p);
  std::vector<std::uint64_t> got;
  std::atomic<bool> done{false};
  std::thread publisher([&] {
    for (std::uint64_t seq = 1; seq <= 20000; ++seq) {
      bus.publish(reading_ev(seq, static_cast<std::int64_t>(seq % 10)));
    }
    done = true;
  });
  while (!done.load()) {
    const auto part = p->drain_some(5);
    got.insert(got.end(), part.begin(), part.end());
  }
  publisher.join();
  const auto rest = p->drain_all();
  got.insert(got.end(), rest.begin(), rest.end());
  bool ascending = true;
  for (std::size_t i = 1; i < got.size(); ++i) ascending = ascending && got[i] > got[i - 1];
  CHECK(ascending);
  REQUIRE(got.size() >= 10);
  std::set<std::uint64_t> last(got.end() - 10, got.end());
  CHECK(last == std::set<std::uint64_t>{19991, 19992, 19993, 19994, 19995, 19996, 19997, 19998,
                                        19999, 20000});
  CHECK(got.size() + static_cast<std::size_t>(p->conflated[1].load()) == 20000);
}

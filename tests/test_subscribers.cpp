// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/subscribers/callback_subscriber.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/local_event_bus.hpp"
#include "sensorhub/subscribers/queued_subscriber.hpp"
#include "support/gate.hpp"

using namespace sensorhub;
using sensorhub::testing::gate;

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
  void backlog(std::size_t n) { set_transport_backlog(n); }
  void close() { close_queue(); }
  std::atomic<int> wakes{0};
  std::atomic<int> overflows{0};

 private:
  void wake() override { ++wakes; }
  void on_overflow() override { ++overflows; }
};

}  // namespace

TEST_CASE("queued_subscriber wakes on empty -> non-empty and drains in order") {
  probe p(1000);
  p.on_event(ev(1));
  CHECK(p.wakes == 1);
  p.on_event(ev(2));
  p.on_event(ev(3));
  CHECK(p.wakes == 1);
  CHECK(p.backlog_bytes() == 30);
  CHECK(p.drain_all() == std::vector<std::uint64_t>{1, 2, 3});
  CHECK(p.backlog_bytes() == 0);
  p.on_event(ev(4));
  CHECK(p.wakes == 2);
  p.backlog(100);
  CHECK(p.backlog_bytes() == 110);
  CHECK(p.drain_all() == std::vector<std::uint64_t>{4});
  CHECK(p.drain_all().empty());
  CHECK(p.overflows == 0);
}

TEST_CASE("queued_subscriber overflows exactly once and drops everything after") {
  probe p(100);
  for (std::uint64_t i = 1; i <= 10; ++i) p.on_event(ev(i, 30));  // 4th passes 100 bytes
  CHECK(p.overflows == 1);
  CHECK(p.overflowed());
  CHECK(p.drain_all().empty());
  CHECK(p.backlog_bytes() == 0);
  p.on_event(ev(11, 1));
  CHECK(p.overflows == 1);
  CHECK(p.drain_all().empty());
}

TEST_CASE("the transport's backlog counts toward the limit") {
  probe p(100);
  p.backlog(95);
  p.on_event(ev(1, 5));  // exactly at the limit: kept
  CHECK(p.overflows == 0);
  p.on_event(ev(2, 1));
  CHECK(p.overflows == 1);
}

TEST_CASE("queued_subscriber overflow under concurrent publishers fires once") {
  local_event_bus bus;
  auto p = std::make_shared<probe>(5000);
  auto h = bus.subscribe(channel::general, p);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&bus] {
      for (int i = 0; i < 500; ++i) bus.publish(ev(0, 20));
    });
  }
  for (auto& t : threads) t.join();
  CHECK(p->overflows == 1);
}

TEST_CASE("close_queue drops queued and later events") {
  probe p(1000);
  p.on_event(ev(1));
  p.close();
  CHECK(p.drain_all().empty());
  p.on_event(ev(2));
  CHECK(p.drain_all().empty());
  CHECK(p.overflows == 0);
}

TEST_CASE("callback_subscriber delivers in publish order on its own thread") {
  local_event_bus bus;
  std::vector<std::uint64_t> got;
  std::thread::id cb_thread;
  auto sub = std::make_shared<callback_subscriber>([&](const event& e) {
    got.push_back(e.seq);
    cb_thread = std::this_thread::get_id();
  });
  auto h = bus.subscribe(channel::general, sub);
  for (std::uint64_t i = 1; i <= 5000; ++i) bus.publish(ev(i));
  sub->flush();
  REQUIRE(got.size() == 5000);
  bool ordered = true;
  for (std::size_t i = 0; i < got.size(); ++i) ordered = ordered && got[i] == i + 1;
  CHECK(ordered);
  CHECK((cb_thread != std::this_thread::get_id()));
}

TEST_CASE("a slow callback blocks neither publish nor other subscribers") {
  local_event_bus bus;
  gate release;
  gate first_seen;
  std::atomic<int> slow_count{0};
  std::atomic<int> fast_count{0};
  auto slow = std::make_shared<callback_subscriber>([&](const event&) {
    first_seen.open();
    release.wait(std::chrono::seconds(60));
    ++slow_count;
  });
  auto fast = std::make_shared<callback_subscriber>([&](const event&) { ++fast_count; });
  auto h1 = bus.subscribe(channel::general, slow);
  auto h2 = bus.subscribe(channel::general, fast);

  bus.publish(ev(1));
  REQUIRE(first_seen.wait());  // the slow callback is now blocked
  auto publishing = std::async(std::launch::async, [&] {
    for (std::uint64_t i = 2; i <= 1000; ++i) bus.publish(ev(i));
  });
  // Publishing 999 more events finishes while the slow callback is blocked.
  REQUIRE(publishing.wait_for(std::chrono::seconds(30)) == std::future_status::ready);
  fast->flush();
  CHECK(fast_count == 1000);
  CHECK(slow_count == 0);

  release.open();
  slow->flush();
  CHECK(slow_count == 1000);
}

TEST_CASE("callback exceptions go to on_error and delivery continues") {
  local_event_bus bus;
  std::vector<std::uint64_t> got;
  std::vector<std::string> errors;
  auto sub = std::make_shared<callback_subscriber>(
      [&](const event& e) {
        got.push_back(e.seq);
        if (e.seq % 3 == 0) throw std::runtime_error("bad " + std::to_string(e.seq));
      },
      [&](const std::exception_ptr& ex) {
        try {
          std::rethrow_exception(ex);
        } catch (const std::exception& e) {
          errors.emplace_back(e.what());
        }
      });
  auto h = bus.subscribe(channel::general, sub);
  for (std::uint64_t i = 1; i <= 7; ++i) bus.publish(ev(i));
  sub->flush();
  CHECK(got == std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7});
  CHECK(errors == std::vector<std::string>{"bad 3", "bad 6"});
}

TEST_CASE("callback_subscriber overflow reports one slow-consumer error") {
  local_event_bus bus;
  gate release;
  gate first_seen;
  std::atomic<int> delivered{0};
  std::mutex m;
  std::vector<std::string> errors;
  auto sub = std::make_shared<callback_subscriber>(
      [&](const event&) {
        first_seen.open();
        release.wait(std::chrono::seconds(60));
        ++delivered;
      },
      [&](const std::exception_ptr& ex) {
        try {
          std::rethrow_exception(ex);
        } catch (const error& e) {
          std::lock_guard<std::mutex> lk(m);
          errors.emplace_back(e.what());
        }
      },
      1000);
  auto h = bus.subscribe(channel::general, sub);
  bus.publish(ev(1, 100));
  REQUIRE(first_seen.wait());
  for (std::uint64_t i = 2; i <= 50; ++i) bus.publish(ev(i, 100));  // 1,000 bytes pass the limit
  {
    std::lock_guard<std::mutex> lk(m);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].find("slow consumer") != std::string::npos);
  }
  CHECK(sub->overflowed());
  release.open();
  sub->flush();
  CHECK(delivered == 1);  // the queue was dropped on overflow
  std::lock_guard<std::mutex> lk(m);
  CHECK(errors.size() == 1);
}

TEST_CASE("callback_subscriber's destructor delivers what is queued") {
  std::atomic<int> delivered{0};
  {
    local_event_bus bus;
    auto sub = std::make_shared<callback_subscriber>([&](const event&) {
      std::this_thread::yield();
      ++delivered;
    });
    auto h = bus.subscribe(channel::general, sub);
    for (std::uint64_t i = 1; i <= 200; ++i) bus.publish(ev(i));
    h.reset();
    sub.reset();  // last reference: joins after delivering the 200
    CHECK(delivered == 200);
  }
  CHECK(delivered == 200);
}

TEST_CASE("flush with nothing queued returns") {
  callback_subscriber sub([](const event&) {});
  sub.flush();
  CHECK(sub.backlog_bytes() == 0);
}

// SPDX-License-Identifier: MIT
// The global request-body budget and its per-request reservations.
#include <doctest/doctest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "policy/body_budget.hpp"

using sensorhub::ws_detail::body_budget;
using sensorhub::ws_detail::body_reservation;

TEST_CASE("body_budget: what does not fit is refused and nothing is taken") {
  body_budget b(100);
  CHECK(b.try_take(60));
  CHECK_FALSE(b.try_take(41));
  CHECK(b.in_use() == 60);
  CHECK(b.try_take(40));
  CHECK_FALSE(b.try_take(1));
  b.give_back(100);
  CHECK(b.in_use() == 0);
  CHECK_FALSE(b.try_take(101));
  CHECK_FALSE(b.try_take(static_cast<std::size_t>(-1)));
}

TEST_CASE("body_budget: limit 0 counts but never refuses") {
  body_budget b(0);
  CHECK(b.try_take(std::size_t{1} << 40));
  CHECK(b.in_use() == std::size_t{1} << 40);
}

TEST_CASE("body_reservation: gives back exactly once, on release, move or destruction") {
  auto b = std::make_shared<body_budget>(1000);
  {
    body_reservation r(b);
    CHECK(r.grow_to(300));
    CHECK(r.grow_to(200));  // already held
    CHECK(b->in_use() == 300);
    body_reservation moved(std::move(r));
    CHECK(b->in_use() == 300);
    r.release();  // the moved-from one holds nothing
    CHECK(b->in_use() == 300);
    moved.release();
    moved.release();
    CHECK(b->in_use() == 0);
    CHECK(moved.grow_to(10));
  }
  CHECK(b->in_use() == 0);
}

TEST_CASE("body_reservation: grows in steps, exactly when a step does not fit") {
  auto b = std::make_shared<body_budget>(1000);
  body_reservation r(b);
  CHECK(r.grow_to(1, 256));
  CHECK(r.held() == 256);
  CHECK(r.grow_to(900, 256));  // 768 + 256 would be 1024: the exact 900
  CHECK(r.held() == 900);
  CHECK_FALSE(r.grow_to(1001, 256));
  CHECK(r.held() == 900);
  body_reservation other(b);
  CHECK_FALSE(other.grow_to(101));
  CHECK(other.grow_to(100));
  CHECK(b->in_use() == 1000);
}

TEST_CASE("body_budget: threads never take more than the limit together") {
  auto b = std::make_shared<body_budget>(1000);
  std::vector<std::thread> threads;
  std::atomic<bool> over{false};
  std::atomic<int> granted{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        body_reservation r(b);
        if (r.grow_to(300)) granted.fetch_add(1);
        if (b->in_use() > 1000) over.store(true);
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK_FALSE(over.load());
  CHECK(granted.load() > 0);
  CHECK(b->in_use() == 0);
}

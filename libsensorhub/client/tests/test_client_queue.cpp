// SPDX-License-Identifier: MIT
// The bounded queue behind client::next_event().

#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "event_queue.hpp"

using sensorhub::client::event;
using sensorhub::client::detail::event_queue;
using ms = std::chrono::milliseconds;

namespace {

event with_seq(std::int64_t s) {
  event e;
  e.seq = s;
  return e;
}

}  // namespace

TEST_CASE("events come out in order, and an empty queue times out") {
  event_queue q(8);
  for (int i = 1; i <= 3; ++i) CHECK(q.push(with_seq(i)));
  for (int i = 1; i <= 3; ++i) CHECK(q.pop(ms(1000))->seq == i);
  CHECK_FALSE(q.pop(ms(10)).has_value());
}

TEST_CASE("a full queue holds the producer until the consumer makes room") {
  event_queue q(2);
  CHECK(q.push(with_seq(1)));
  CHECK(q.push(with_seq(2)));
  std::atomic<bool> pushed{false};
  std::thread producer([&] {
    q.push(with_seq(3));
    pushed = true;
  });
  // The producer cannot finish before a pop: nothing else makes room (a
  // queue that dropped or overwrote would let it through at once).
  std::this_thread::sleep_for(ms(50));
  CHECK_FALSE(pushed.load());
  CHECK(q.pop(ms(5000))->seq == 1);
  producer.join();
  CHECK(pushed.load());
  CHECK(q.pop(ms(1000))->seq == 2);
  CHECK(q.pop(ms(1000))->seq == 3);
}

TEST_CASE("close wakes a waiting producer and lets the consumer drain") {
  event_queue q(1);
  CHECK(q.push(with_seq(1)));
  std::atomic<int> result{-1};
  std::thread producer([&] { result = q.push(with_seq(2)) ? 1 : 0; });
  q.close();
  producer.join();
  CHECK(result.load() == 0);  // dropped: the client stopped
  CHECK(q.pop(ms(1000))->seq == 1);
  CHECK_FALSE(q.pop(ms(1000)).has_value());  // at once: closed and empty
}

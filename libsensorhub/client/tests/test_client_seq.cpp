// SPDX-License-Identifier: MIT
// The client's duplicate filter and resume point.

#include <doctest/doctest.h>

#include <vector>

#include "seq_tracker.hpp"

using sensorhub::client::detail::seq_tracker;

TEST_CASE("the first seq is accepted and becomes the resume point") {
  seq_tracker t;
  CHECK_FALSE(t.has_position());
  CHECK(t.accept(42));
  CHECK(t.last() == 42);
}

TEST_CASE("a replay after reconnect drops what was already delivered") {
  seq_tracker t;
  for (std::int64_t s : {1, 2, 3, 5, 8}) CHECK(t.accept(s));
  // The daemon replays since=8, but an overlapping stream (a reconnect that
  // raced a live delivery) could repeat older ones.
  std::vector<std::int64_t> delivered;
  for (std::int64_t s : {5, 8, 8, 9, 10, 9, 11}) {
    if (t.accept(s)) delivered.push_back(s);
  }
  CHECK(delivered == std::vector<std::int64_t>{9, 10, 11});
  CHECK(t.last() == 11);
}

TEST_CASE("a snapshot moves the resume point forward, never back") {
  seq_tracker t;
  t.advance_to(100);
  CHECK(t.last() == 100);
  CHECK_FALSE(t.accept(100));
  CHECK_FALSE(t.accept(7));
  t.advance_to(50);
  CHECK(t.last() == 100);
  CHECK(t.accept(101));
}

TEST_CASE("a configured since behaves like delivered events") {
  seq_tracker t;
  t.advance_to(0);  // since=0: everything
  CHECK(t.has_position());
  CHECK(t.accept(1));
}

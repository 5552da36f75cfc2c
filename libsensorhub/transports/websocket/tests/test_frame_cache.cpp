// SPDX-License-Identifier: MIT
// frame_cache and ping_sweeper: the transport's bookkeeping without
// websocketpp (a frame is a shared_ptr<int> here).
#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "policy/frame_cache.hpp"
#include "policy/ping_sweeper.hpp"

using namespace sensorhub::ws_detail;
using namespace std::chrono_literals;

namespace {

using frame = std::shared_ptr<int>;
using text = std::shared_ptr<const std::string>;

// A framer that counts its calls.
struct counting_framer {
  int calls = 0;
  frame operator()(const std::string& s) {
    ++calls;
    return std::make_shared<int>(static_cast<int>(s.size()));
  }
};

text make_text(const char* s) { return std::make_shared<const std::string>(s); }

}  // namespace

TEST_CASE("frame_cache: one text is framed once, equal texts at other addresses are not shared") {
  frame_cache<frame> cache;
  counting_framer f;
  const text a = make_text("{\"seq\":1}");
  const frame first = cache.get(a, std::ref(f));
  REQUIRE(first);
  CHECK(*first == 9);
  CHECK(cache.get(a, std::ref(f)).get() == first.get());
  CHECK(f.calls == 1);
  const text copy = make_text("{\"seq\":1}");
  CHECK(cache.get(copy, std::ref(f)).get() != first.get());
  CHECK(f.calls == 2);
  CHECK(cache.size() == 2);
}

TEST_CASE("frame_cache: null text and failed framing give null and cache nothing") {
  frame_cache<frame> cache;
  counting_framer f;
  CHECK_FALSE(cache.get(text{}, std::ref(f)));
  CHECK(f.calls == 0);
  int fails = 0;
  const text a = make_text("x");
  const auto failing = [&fails](const std::string&) {
    ++fails;
    return frame{};
  };
  CHECK_FALSE(cache.get(a, failing));
  CHECK_FALSE(cache.get(a, failing));
  CHECK(fails == 2);
  CHECK(cache.size() == 0);
}

TEST_CASE("frame_cache: at most `slots` frames, the oldest goes first") {
  frame_cache<frame> cache(2);
  counting_framer f;
  const text a = make_text("a"), b = make_text("b"), c = make_text("c");
  cache.get(a, std::ref(f));
  cache.get(b, std::ref(f));
  cache.get(c, std::ref(f));
  CHECK(cache.size() == 2);
  CHECK(f.calls == 3);
  cache.get(b, std::ref(f));  // still cached
  cache.get(c, std::ref(f));
  CHECK(f.calls == 3);
  cache.get(a, std::ref(f));  // evicted: framed again
  CHECK(f.calls == 4);
}

TEST_CASE("frame_cache: a sweep drops the frames only after an unused period") {
  frame_cache<frame> cache;
  counting_framer f;
  const text a = make_text("a");
  cache.get(a, std::ref(f));
  cache.sweep();  // used since the last sweep: kept
  CHECK(cache.size() == 1);
  cache.get(a, std::ref(f));  // a hit counts as a use
  cache.sweep();
  CHECK(cache.size() == 1);
  CHECK(f.calls == 1);
  cache.sweep();  // idle period: dropped
  CHECK(cache.size() == 0);
  cache.get(a, std::ref(f));
  CHECK(f.calls == 2);
}

TEST_CASE("ping_sweeper: ping a connection silent for the interval, once until it answers") {
  const ping_sweeper sweeper(30s);
  const auto t0 = ping_state::clock::time_point{} + 1h;
  ping_state s;
  s.heard(t0);
  CHECK_FALSE(sweeper.due(s, t0 + 29s));
  CHECK(sweeper.due(s, t0 + 30s));
  s.outstanding = true;  // the transport sent the ping
  CHECK_FALSE(sweeper.due(s, t0 + 60s));
  s.heard(t0 + 61s);  // a message is not a pong
  CHECK(s.outstanding);
  s.answered(t0 + 62s);
  CHECK_FALSE(s.outstanding);
  CHECK_FALSE(sweeper.due(s, t0 + 62s));
  CHECK(sweeper.due(s, t0 + 92s));
}

TEST_CASE("ping_sweeper: interval 0 never pings") {
  const ping_sweeper sweeper(0ms);
  ping_state s;
  CHECK_FALSE(sweeper.due(s, ping_state::clock::time_point{} + 24h));
}

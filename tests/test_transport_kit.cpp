// SPDX-License-Identifier: MIT
// The transport kit: serial_executor and session_registry, driven through a
// real hub (worker pool, SQLite in memory, local bus).
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/connection.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/hub.hpp"
#include "sensorhub/transports/serial_executor.hpp"
#include "sensorhub/transports/session_registry.hpp"

using namespace sensorhub;
using namespace std::chrono_literals;

namespace {

// Keeps what a log sink receives.
struct log_capture {
  std::mutex m;
  std::vector<std::string> lines;
  log_sink sink() {
    return [this](log_level, std::string_view msg) {
      std::lock_guard<std::mutex> lk(m);
      lines.emplace_back(msg);
    };
  }
  std::size_t size() {
    std::lock_guard<std::mutex> lk(m);
    return lines.size();
  }
};

// Checks one-at-a-time and FIFO from inside the posted functions.
struct order_check {
  std::atomic<int> inside{0};
  std::atomic<bool> overlap{false};
  std::mutex m;
  std::vector<int> seen;
  void run(int i) {
    if (inside.fetch_add(1) != 0) overlap = true;
    std::this_thread::yield();
    {
      std::lock_guard<std::mutex> lk(m);
      seen.push_back(i);
    }
    inside.fetch_sub(1);
  }
  bool in_order(int n) {
    std::lock_guard<std::mutex> lk(m);
    if (static_cast<int>(seen.size()) != n) return false;
    for (int i = 0; i < n; ++i) {
      if (seen[static_cast<std::size_t>(i)] != i) return false;
    }
    return true;
  }
};

// A connection whose thread is a serial_executor and whose wire is a list
// of strings (what a custom transport would write to its socket).
class list_connection final : public connection {
 public:
  explicit list_connection(std::shared_ptr<serial_executor> ex) : ex_(std::move(ex)) {}
  void send_text(std::shared_ptr<const std::string> text) override {
    CHECK(ex_->running_in_this_thread());
    std::lock_guard<std::mutex> lk(m_);
    sent_.push_back(*text);
    cv_.notify_all();
  }
  void close(int code, std::string_view) override {
    std::lock_guard<std::mutex> lk(m_);
    ++closes_;
    code_ = code;
    cv_.notify_all();
  }
  void post(std::function<void()> fn) override { ex_->post(std::move(fn)); }

  // Waits for a message containing `part`.
  bool wait_for(const std::string& part) {
    std::unique_lock<std::mutex> lk(m_);
    return cv_.wait_for(lk, 10s, [&] {
      for (const auto& s : sent_) {
        if (s.find(part) != std::string::npos) return true;
      }
      return false;
    });
  }
  int wait_close() {
    std::unique_lock<std::mutex> lk(m_);
    cv_.wait_for(lk, 10s, [&] { return closes_ > 0; });
    return code_;
  }
  int closes() {
    std::lock_guard<std::mutex> lk(m_);
    return closes_;
  }

 private:
  std::shared_ptr<serial_executor> ex_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::string> sent_;
  int closes_ = 0;
  int code_ = 0;
};

hub_options in_memory() {
  hub_options o;
  o.storage.path = ":memory:";
  o.workers = 4;
  return o;
}

}  // namespace

TEST_CASE("serial_executor on its own thread: FIFO, one at a time, exceptions logged") {
  log_capture log;
  order_check oc;
  serial_executor ex(log.sink());
  std::vector<std::thread> posters;
  std::atomic<int> next{0};
  std::mutex post_m;  // posters take turns so the posting order is 0, 1, 2, ...
  for (int t = 0; t < 4; ++t) {
    posters.emplace_back([&] {
      for (;;) {
        std::lock_guard<std::mutex> lk(post_m);
        const int i = next++;
        if (i >= 2000) return;
        CHECK(ex.post([&oc, i] { oc.run(i); }));
      }
    });
  }
  for (auto& t : posters) t.join();
  REQUIRE(ex.post([] { throw std::runtime_error("posted boom"); }));
  std::promise<bool> inside;
  ex.post([&] { inside.set_value(ex.running_in_this_thread()); });
  CHECK(inside.get_future().get());
  CHECK_FALSE(ex.running_in_this_thread());
  ex.stop();
  CHECK(oc.in_order(2000));
  CHECK_FALSE(oc.overlap);
  CHECK(log.size() == 1);
  CHECK_FALSE(ex.post([] {}));  // after stop: refused
}

TEST_CASE(
    "serial_executor on a pool: one at a time across the pool's threads, stop runs the rest") {
  hub h(in_memory());
  order_check oc;
  serial_executor ex([&h](std::function<void()> job) { h.run_blocking(std::move(job)); },
                     null_log_sink());
  for (int i = 0; i < 1000; ++i) {
    REQUIRE(ex.post([&oc, i] { oc.run(i); }));
  }
  ex.stop();  // waits for all 1000 (batches of 64 on up to 4 threads)
  CHECK(oc.in_order(1000));
  CHECK_FALSE(oc.overlap);
  CHECK_FALSE(ex.post([] {}));
}

TEST_CASE("serial_executor: stop from inside a posted function runs what is queued") {
  std::promise<void> gate, last;
  auto opened = gate.get_future().share();
  auto done = last.get_future();
  auto ex = std::make_shared<serial_executor>(null_log_sink());
  REQUIRE(ex->post([opened] { opened.wait(); }));  // holds the queue until all is posted
  REQUIRE(ex->post([ex] { ex->stop(); }));         // cannot wait for itself: returns at once
  REQUIRE(ex->post([&last] { last.set_value(); }));
  gate.set_value();
  CHECK(done.wait_for(10s) == std::future_status::ready);
  ex->stop();  // from outside: waits for the thread
  CHECK_FALSE(ex->post([] {}));
}

TEST_CASE(
    "session_registry: subscribed when open returns, stop closes with 1001, later opens refused") {
  hub h(in_memory());
  h.start();
  session_registry reg;
  CHECK_THROWS_AS(reg.open(std::make_shared<list_connection>(nullptr), {}), error);
  reg.start(h.context());
  auto ex = std::make_shared<serial_executor>(null_log_sink());

  auto conn = std::make_shared<list_connection>(ex);
  session_options so;
  so.channels = {channel::sensors};
  auto s = reg.open(conn, so);
  REQUIRE(static_cast<bool>(s));
  CHECK(reg.size() == 1);
  CHECK(conn->wait_for("connection_established"));
  sensor_patch p;  // written right after open() returned: the session sees it
  p.tipo = "humedad";
  p.modelo = "DHT22";
  h.sensors().create(p);
  CHECK(conn->wait_for("\"humedad\""));

  // open_here runs on the connection's own thread.
  auto conn2 = std::make_shared<list_connection>(ex);
  std::promise<std::shared_ptr<session>> opened;
  ex->post([&] { opened.set_value(reg.open_here(conn2, so)); });
  auto s2 = opened.get_future().get();
  REQUIRE(static_cast<bool>(s2));
  CHECK(conn2->wait_for("connection_established"));

  reg.stop();
  ex->stop();  // runs the closes
  CHECK(conn->wait_close() == 1001);
  CHECK(conn2->wait_close() == 1001);
  CHECK(h.bus().stats().total_connections == 0);

  auto late = std::make_shared<list_connection>(ex);
  CHECK_FALSE(static_cast<bool>(reg.open(late, so)));
  CHECK(late->closes() == 1);
  CHECK(late->wait_close() == 1001);
  s->close(1000, "");  // a second close never reaches the connection
  CHECK(conn->closes() == 1);
}

// SPDX-License-Identifier: MIT
// The network layer over real loopback sockets, with an in-memory hub and
// several network threads: fan-out order across threads, the close
// handshake both ways, pings, HEAD, 100-continue, the idle timeout and the
// slow-consumer close and the global backlog budget of SPEC §3.
#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <doctest/doctest.h>

#include "sensorhub/hub.hpp"
#include "sensorhub/transports/websocket.hpp"
#include "ws_test_client.hpp"

using namespace sensorhub;
using sensorhub_test::client;
using sensorhub_test::upgrade;

namespace {

struct net_fixture {
  explicit net_fixture(websocket_options o = {}) : h(make_options()) {
    o.port = 0;
    o.network_threads = 2;
    o.http_handler = [](const http_request& req, http_responder respond) {
      http_response r;
      r.body = "{\"path\":\"" + req.path + "\",\"len\":" + std::to_string(req.body.size()) + "}";
      respond(r);
    };
    ws = std::make_shared<websocket_transport>(o);
    h.add_transport(ws);
    h.start();
  }
  static hub_options make_options() {
    hub_options o;
    o.storage.path = ":memory:";
    return o;
  }
  hub h;
  std::shared_ptr<websocket_transport> ws;
};

void skip_greeting(client& c) {
  REQUIRE(c.read_until("\r\n\r\n").rfind("HTTP/1.1 101", 0) == 0);
  REQUIRE(c.frame().second.find("connection_established") != std::string::npos);
  REQUIRE(c.frame().second.find("\"stats\"") != std::string::npos);
}

std::uint64_t seq_of(const std::string& json) {
  const auto at = json.find("\"seq\":");
  REQUIRE(at != std::string::npos);
  return std::stoull(json.substr(at + 6));
}

int close_code(const std::string& payload) {
  if (payload.size() < 2) return 0;
  return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
}

}  // namespace

TEST_CASE("subscribers on two network threads each get every event once, in seq order") {
  net_fixture f;
  std::vector<std::unique_ptr<client>> subs;
  for (int i = 0; i < 6; ++i) {
    subs.push_back(std::make_unique<client>(f.ws->port()));
    subs.back()->send(upgrade("/api/v1/ws?channel=sensors"));
    skip_greeting(*subs.back());
  }
  constexpr int events = 300;
  std::thread writer([&] {
    for (int i = 0; i < events; ++i) {
      f.h.sensors().create(sensor_patch{std::string("temperatura"), std::string("m"), {}, {}});
    }
  });
  for (auto& c : subs) {
    std::uint64_t last = 0;
    for (int i = 0; i < events; ++i) {
      auto [op, text] = c->frame();
      REQUIRE(op == 1);
      const auto seq = seq_of(text);
      CHECK(seq > last);
      last = seq;
    }
  }
  writer.join();
}

TEST_CASE("a client close gets the close echoed and a client ping gets its pong") {
  net_fixture f;
  client c(f.ws->port());
  c.send(upgrade("/api/v1/ws"));
  skip_greeting(c);
  c.send_frame(0x9, "hi");
  auto [op, payload] = c.frame();
  CHECK(op == 0xA);
  CHECK(payload == "hi");
  c.send_frame(0x8, std::string("\x03\xe8", 2));  // 1000
  std::tie(op, payload) = c.frame();
  CHECK(op == 0x8);
  CHECK(close_code(payload) == 1000);
  CHECK(c.frame().first == -1);  // and the server closes TCP
}

TEST_CASE("an oversized client message is closed with 1009, a bad frame with 1002") {
  websocket_options o;
  o.max_message_size = 100;
  net_fixture f(o);
  {
    client c(f.ws->port());
    c.send(upgrade("/api/v1/ws"));
    skip_greeting(c);
    c.send_frame(0x1, std::string(200, 'x'));
    auto [op, payload] = c.frame();
    CHECK(op == 0x8);
    CHECK(close_code(payload) == 1009);
  }
  {
    client c(f.ws->port());
    c.send(upgrade("/api/v1/ws"));
    skip_greeting(c);
    c.send(std::string("\x81\x02hi", 4));  // unmasked client frame: a protocol error
    auto [op, payload] = c.frame();
    CHECK(op == 0x8);
    CHECK(close_code(payload) == 1002);
  }
}

TEST_CASE("HEAD is answered without a body and Expect: 100-continue gets 100 first") {
  net_fixture f;
  client c(f.ws->port());
  c.send("HEAD /x HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string head = c.read_until("\r\n\r\n");
  CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(head.find("Content-Length: 21") != std::string::npos);  // {"path":"/x","len":0}
  c.send("POST /y HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  CHECK(c.read_until("\r\n\r\n").rfind("HTTP/1.1 100 Continue", 0) == 0);
  c.send("ok");
  CHECK(c.read_until("\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0);
  CHECK(c.read_until("}") == R"({"path":"/y","len":2})");
}

TEST_CASE("an idle keep-alive connection is closed after idle_timeout") {
  websocket_options o;
  o.idle_timeout = std::chrono::milliseconds(300);
  net_fixture f(o);
  client c(f.ws->port());
  c.send("GET /x HTTP/1.1\r\nHost: x\r\n\r\n");
  CHECK(c.read_until("}").find("HTTP/1.1 200") == 0);
  CHECK(c.read_all().empty());  // EOF well before the client's 10 s timeout
}

TEST_CASE("a subscriber that stops reading is closed with 1008 and sees the frame when it reads") {
  websocket_options o;
  o.backlog_limit = 64u << 10;
  net_fixture f(o);
  // A modest receive buffer: the kernel holds little for it, and once it
  // reads, the window opens in big steps (a tiny one would trickle).
  client slow(f.ws->port(), 16 << 10);
  slow.send(upgrade("/api/v1/ws?channel=sensors"));
  skip_greeting(slow);
  client fast(f.ws->port());
  fast.send(upgrade("/api/v1/ws?channel=sensors"));
  skip_greeting(fast);

  // Far more than the socket buffers and the backlog limit hold; the fast
  // reader reads meanwhile and gets everything (the writer never runs more
  // than 50 events ahead of it).
  constexpr int events = 6000;
  std::atomic<int> fast_got{0};
  std::thread reader([&] {
    for (int i = 0; i < events && fast.frame().first == 1; ++i) ++fast_got;
  });
  for (int i = 0; i < events; ++i) {
    while (fast_got.load() < i - 50) std::this_thread::sleep_for(std::chrono::microseconds(200));
    f.h.sensors().create(sensor_patch{std::string("temperatura"), std::string(100, 'x'), {}, {}});
  }
  reader.join();
  CHECK(fast_got.load() == events);
  // The slow one reads now (within the grace period): events, then 1008.
  std::uint64_t last = 0;
  for (;;) {
    auto [op, payload] = slow.frame();
    REQUIRE(op != -1);
    if (op == 0x8) {
      CHECK(close_code(payload) == 1008);
      CHECK(payload.substr(2) == "slow consumer");
      break;
    }
    const auto seq = seq_of(payload);
    CHECK(seq > last);
    last = seq;
  }
}

TEST_CASE("past the global backlog budget stalled subscribers are cut (1008) but a reader never") {
  websocket_options o;
  o.backlog_limit = 4u << 20;         // never reached here
  o.total_backlog_limit = 96u << 10;  // all backlogs together
  net_fixture f(o);
  std::vector<std::unique_ptr<client>> slow;
  for (int i = 0; i < 2; ++i) {
    slow.push_back(std::make_unique<client>(f.ws->port(), 16 << 10));
    slow.back()->send(upgrade("/api/v1/ws?channel=sensors"));
    skip_greeting(*slow.back());
  }
  client fast(f.ws->port());
  fast.send(upgrade("/api/v1/ws?channel=sensors"));
  skip_greeting(fast);

  constexpr int events = 2000;  // ~700 KB for each: far past the budget, below 4 MiB
  std::atomic<int> fast_got{0};
  std::thread reader([&] {
    for (int i = 0; i < events && fast.frame().first == 1; ++i) ++fast_got;
  });
  for (int i = 0; i < events; ++i) {
    while (fast_got.load() < i - 50) std::this_thread::sleep_for(std::chrono::microseconds(200));
    f.h.sensors().create(sensor_patch{std::string("temperatura"), std::string(100, 'x'), {}, {}});
  }
  reader.join();
  CHECK(fast_got.load() == events);
  // Both stalled ones are cut (counted as dropped subscribers) while they
  // still hold their backlogs; reading, each finds the 1008 after what the
  // kernel already had.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (f.h.stats().dropped_subscribers < 2 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(f.h.stats().dropped_subscribers == 2);
  for (auto& c : slow) {
    for (;;) {
      auto [op, payload] = c->frame();
      REQUIRE(op != -1);
      if (op != 0x8) continue;
      CHECK(close_code(payload) == 1008);
      CHECK(payload.substr(2) == "slow consumer");
      break;
    }
  }
  // The reader was never cut: it still answers.
  fast.send_frame(0x1, R"({"type":"ping"})");
  auto [op, payload] = fast.frame();
  CHECK(op == 1);
  CHECK(payload.find("pong") != std::string::npos);
}

TEST_CASE("a streamed answer goes out chunked, ends, and the connection serves the next request") {
  // /stream streams three pieces from another thread.
  auto ws = std::make_shared<websocket_transport>([] {
    websocket_options so;
    so.port = 0;
    so.network_threads = 2;
    so.http_handler = [](const http_request& req, http_responder respond) {
      http_response r;
      if (req.path != "/stream") {
        r.body = "{}";
        return respond(r);
      }
      r.content_type = "text/event-stream";
      r.stream = [](std::shared_ptr<http_stream> s) {
        std::thread([s] {
          for (const char* piece : {"a", "bb", "ccc"}) CHECK(s->write(piece));
          s->end();
          CHECK_FALSE(s->write("late"));
        }).detach();
      };
      respond(r);
    };
    return so;
  }());
  ws->start(transport_context{});
  client c(ws->port());
  c.send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string head = c.read_until("\r\n\r\n");
  CHECK(head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(head.find("Transfer-Encoding: chunked") != std::string::npos);
  CHECK(head.find("Content-Length") == std::string::npos);
  CHECK(c.read_until("0\r\n\r\n") == "1\r\na\r\n2\r\nbb\r\n3\r\nccc\r\n0\r\n\r\n");
  c.send("GET /next HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  CHECK(c.read_all().rfind("HTTP/1.1 200", 0) == 0);
  ws->stop();
}

TEST_CASE("a client that leaves a streamed answer is noticed through on_close") {
  std::atomic<bool> closed{false};
  std::atomic<bool> started{false};
  websocket_options so;
  so.port = 0;
  so.http_handler = [&](const http_request&, http_responder respond) {
    http_response r;
    r.content_type = "text/event-stream";
    r.stream = [&](std::shared_ptr<http_stream> s) {
      s->on_close([&closed] { closed = true; });
      s->write(": hello\n\n");
      started = true;
    };
    respond(r);
  };
  websocket_transport ws(so);
  ws.start(transport_context{});
  {
    client c(ws.port());
    c.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
    CHECK(c.read_until(": hello\n\n").find(": hello") != std::string::npos);
  }  // the client closes its socket
  for (int i = 0; i < 500 && !closed; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(started.load());
  CHECK(closed.load());
  ws.stop();
}

// SPDX-License-Identifier: MIT
// A conflating session (SPEC §11) against a connection whose unsent bytes
// the test controls: events wait in the session's queue while the
// connection is full, where newer ones replace them; nothing changes while
// the client keeps up; replies are never conflated.
#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sensorhub/connection.hpp"
#include "sensorhub/local_event_bus.hpp"
#include "sensorhub/session.hpp"

using namespace sensorhub;

namespace {

// Runs posted functions when the test says so (on the test's thread), and
// reports whatever buffered_bytes the test sets.
class manual_connection final : public connection {
 public:
  // What is sent stays "unsent" (a socket that takes nothing) until the
  // test lowers `buffered`.
  void send_text(std::shared_ptr<const std::string> text) override {
    sent.push_back(*text);
    buffered += text->size();
  }
  void close(int code, std::string_view reason) override {
    close_code = code;
    close_reason = std::string(reason);
  }
  void post(std::function<void()> fn) override { posted.push_back(std::move(fn)); }
  std::size_t buffered_bytes() const override { return buffered; }

  void run_posted() {
    while (!posted.empty()) {
      auto fns = std::move(posted);
      posted.clear();
      for (auto& fn : fns) fn();
    }
  }

  std::vector<std::string> sent;
  std::vector<std::function<void()>> posted;
  std::size_t buffered = 0;
  int close_code = 0;
  std::string close_reason;
};

event reading_event(std::uint64_t seq, std::int64_t sensor, std::size_t pad = 0) {
  event e;
  e.seq = seq;
  e.chan = channel::readings;
  e.kind = event_kind::entity;
  e.entity = entity_kind::reading;
  e.type = event_type::created;
  e.entity_id = static_cast<std::int64_t>(seq);
  e.sensor_id = sensor;
  e.json = std::make_shared<const std::string>("{\"seq\":" + std::to_string(seq) + ",\"pad\":\"" +
                                               std::string(pad, 'x') + "\"}");
  return e;
}

struct fixture {
  local_event_bus bus;
  transport_context ctx;
  fixture() {
    ctx.bus = &bus;
    ctx.server = "test/1";
  }
  std::pair<std::shared_ptr<session>, std::shared_ptr<manual_connection>> open(
      bool conflate, std::size_t limit = 4u << 20) {
    auto conn = std::make_shared<manual_connection>();
    auto s = std::make_shared<session>(ctx, conn, limit);
    session_options o;
    o.channels = {channel::readings};
    o.conflate = conflate;
    o.backlog_limit = limit;
    s->start(o);
    conn->run_posted();
    REQUIRE(conn->sent.size() == 2);  // connection_established, stats
    conn->sent.clear();
    return {s, conn};
  }
  std::uint64_t conflated() const { return bus.stats().of(channel::readings).conflated; }
};

std::vector<std::string> seqs(std::initializer_list<std::uint64_t> list) {
  std::vector<std::string> out;
  for (auto n : list) out.push_back("{\"seq\":" + std::to_string(n) + ",\"pad\":\"\"}");
  return out;
}

}  // namespace

TEST_CASE("a conflating session that keeps up gets every event") {
  fixture f;
  auto [s, conn] = f.open(true);
  for (std::uint64_t seq = 1; seq <= 4; ++seq) {
    f.bus.publish(reading_event(seq, 1));
    conn->run_posted();
  }
  CHECK(conn->sent == seqs({1, 2, 3, 4}));
  CHECK(f.conflated() == 0);
  s->stop();
}

TEST_CASE("while the connection is full, events wait and the latest per sensor replaces") {
  fixture f;
  auto [s, conn] = f.open(true);
  auto [plain_s, plain] = f.open(false);
  conn->buffered = queued_subscriber::handoff_watermark;  // the socket takes nothing more
  plain->buffered = queued_subscriber::handoff_watermark;
  for (std::uint64_t seq = 1; seq <= 30; ++seq) f.bus.publish(reading_event(seq, 1 + seq % 3));
  conn->run_posted();
  plain->run_posted();
  CHECK(conn->sent.empty());
  CHECK(s->queued_events() == 3);
  CHECK(f.conflated() == 27);
  CHECK(plain->sent.size() == 30);  // the plain session hands everything on at once

  // A reply is never held back or conflated.
  s->on_client_text(R"({"type":"ping"})");
  REQUIRE(conn->sent.size() == 1);
  CHECK(conn->sent[0].find("\"pong\"") != std::string::npos);
  conn->sent.clear();

  conn->buffered = 0;  // the socket drained: the transport says so
  s->set_transport_backlog(0);
  conn->run_posted();
  CHECK(conn->sent == seqs({28, 29, 30}));
  CHECK(s->queued_events() == 0);
  CHECK(conn->close_code == 0);
  s->stop();
  plain_s->stop();
}

TEST_CASE("the connection takes events up to the watermark, the rest wait") {
  fixture f;
  auto [s, conn] = f.open(true);
  conn->buffered = queued_subscriber::handoff_watermark - 1;  // room for one more
  f.bus.publish(reading_event(1, 7));
  conn->run_posted();
  for (std::uint64_t seq = 2; seq <= 3; ++seq) f.bus.publish(reading_event(seq, 7));
  conn->run_posted();
  // 1 went out (room for it), then the connection was full: 3 replaced 2.
  CHECK(conn->sent == seqs({1}));
  s->set_transport_backlog(conn->buffered);  // still full: no wake
  conn->run_posted();
  CHECK(conn->sent == seqs({1}));
  conn->buffered = 10;
  s->set_transport_backlog(conn->buffered);
  conn->run_posted();
  CHECK(conn->sent == seqs({1, 3}));
  CHECK(f.conflated() == 1);
  s->stop();
}

TEST_CASE("subscribe with conflate turns it on for that channel, a bad value is an error") {
  fixture f;
  auto [s, conn] = f.open(false);
  s->on_client_text(R"({"type":"subscribe","channel":"readings","conflate":"yes"})");
  REQUIRE(conn->sent.size() == 1);
  CHECK(conn->sent[0].find("\"error\"") != std::string::npos);
  CHECK(conn->sent[0].find("conflate") != std::string::npos);
  CHECK_FALSE(s->conflates(channel::readings));
  conn->sent.clear();

  s->on_client_text(R"({"type":"subscribe","channel":"readings","conflate":true})");
  CHECK(conn->sent == std::vector<std::string>{R"({"type":"subscribed","channels":["readings"]})"});
  CHECK(s->conflates(channel::readings));
  CHECK_FALSE(s->conflates(channel::sensors));
  conn->sent.clear();
  conn->buffered = queued_subscriber::handoff_watermark;
  for (std::uint64_t seq = 1; seq <= 5; ++seq) f.bus.publish(reading_event(seq, 2));
  conn->run_posted();
  CHECK(conn->sent.empty());
  CHECK(f.conflated() == 4);
  conn->buffered = 0;
  s->set_transport_backlog(0);
  conn->run_posted();
  CHECK(conn->sent == seqs({5}));

  // conflate:false turns it off again: nothing waits for room any more.
  conn->sent.clear();
  s->on_client_text(R"({"type":"subscribe","channel":"readings","conflate":false})");
  CHECK_FALSE(s->conflating());
  conn->sent.clear();
  conn->buffered = queued_subscriber::handoff_watermark;
  for (std::uint64_t seq = 6; seq <= 8; ++seq) f.bus.publish(reading_event(seq, 2));
  conn->run_posted();
  CHECK(conn->sent == seqs({6, 7, 8}));
  s->stop();
}

TEST_CASE("a conflating session whose backlog still passes the limit is closed 1008") {
  fixture f;
  constexpr std::size_t limit = 200u << 10;
  auto [same_s, same] = f.open(true, limit);
  auto [spread_s, spread] = f.open(true, limit);
  for (auto* c : {same.get(), spread.get()}) c->buffered = queued_subscriber::handoff_watermark;
  same_s->set_transport_backlog(same->buffered);
  spread_s->set_transport_backlog(spread->buffered);
  // 400 events of ~1 KiB: all of one sensor for `same`, then one for each
  // of 400 sensors (only `spread` is still subscribed then).
  for (std::uint64_t seq = 1; seq <= 400; ++seq) f.bus.publish(reading_event(seq, 1, 1024));
  same->run_posted();
  CHECK(same->close_code == 0);
  CHECK(same_s->queued_events() == 1);
  CHECK(spread_s->queued_events() == 1);
  same_s->stop();
  for (std::uint64_t seq = 401; seq <= 800; ++seq) {
    f.bus.publish(reading_event(seq, static_cast<std::int64_t>(seq), 1024));
  }
  spread->run_posted();
  CHECK(spread->close_code == 1008);
  CHECK(spread->close_reason == "slow consumer");
  CHECK(f.bus.stats().dropped_subscribers == 1);
}

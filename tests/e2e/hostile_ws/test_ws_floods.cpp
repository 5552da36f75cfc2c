// SPDX-License-Identifier: MIT
// Hostile WebSocket clients, frames: ping floods (reading or not),
// oversized frames and messages, fragment floods. Each against the real
// daemon, each with the bound it promises (docs/security.md).

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

#include "e2e/hostile_ws/hostile_util.hpp"

using namespace sensorhub::e2e;
using namespace sensorhub::e2e::hostile;

namespace {

constexpr int op_text = 0x1;
constexpr int op_cont = 0x0;
constexpr int op_ping = 0x9;

// Auth on (the daemon's default): the public WebSocket needs no token and
// the message and control-frame rates apply.
std::vector<std::string> auth_on() { return {"--test-endpoints"}; }

std::string pings(int n) {
  const std::string one = ws_client::encode_frame(op_ping, std::string(125, 'p'));
  std::string all;
  all.reserve(one.size() * static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) all += one;
  return all;
}

// Reads messages (skipping the data ones) until the close frame; describes it.
std::string close_seen(ws_client& c, std::chrono::milliseconds timeout,
                       std::vector<std::string>* skipped = nullptr) {
  const auto m = c.wait_close(timeout, skipped);
  if (!m) return c.eof() ? "EOF without a close frame" : "timeout";
  return std::to_string(m->close_code.value_or(-1)) + " " + m->payload;
}

}  // namespace

TEST_CASE("a ping flood that never reads is cut off with 1008 and memory stays bounded") {
  // The issue's probe: public WebSocket, SO_RCVBUF 4096, 10,000 pings of
  // 125 bytes per second, never reading. The control-frame bucket refuses
  // it within its burst (4 x message_burst), so the connection is closed
  // long before a pong backlog builds.
  daemon_process d(auth_on());
  ws_client c = open_small_window_ws(d, "?channel=general");
  const std::size_t base = vm_rss_kib(d.pid());
  std::size_t peak = base;
  const std::string batch = pings(100);
  int sent = 0;
  try {
    for (; sent < 20000; sent += 100) {  // ~2 s at ~10,000/s
      c.send_raw(batch);
      peak = std::max(peak, vm_rss_kib(d.pid()));
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  } catch (const std::exception& e) {
    MESSAGE("the daemon stopped taking pings after " << sent << ": " << e.what());
  }
  MESSAGE("RSS " << base << " KiB before, peak " << peak << " KiB during " << sent << " pings");
  if (rss_bounds_checked) CHECK(peak - base < 16 * 1024);
  // Now it reads: the pongs it was owed, the warnings, then the 1008.
  std::vector<std::string> skipped;
  CHECK(close_seen(c, std::chrono::seconds(10), &skipped) == "1008 rate limited");
  CHECK(std::any_of(skipped.begin(), skipped.end(), [](const std::string& s) {
    return s.find("\"rate_limited\"") != std::string::npos;
  }));
  CHECK(healthy(d));
}

TEST_CASE("without rate limits a ping flood that never reads is a slow consumer (pongs count)") {
  // --no-auth turns the rate limits off: only the backlog rule is left.
  // The pongs it never reads pile up to backlog_bytes (4 MiB), then the
  // connection is closed with 1008 "slow consumer" and the pongs dropped.
  daemon_process d;
  ws_client c = open_small_window_ws(d, "?channel=general");
  const std::size_t base = vm_rss_kib(d.pid());
  std::size_t peak = base;
  const std::string batch = pings(1000);  // 131 KB of pings, 127 KB of pongs
  int sent = 0;
  try {
    for (; sent < 80000; sent += 1000) {  // 10 MB of pongs owed: past 4 MiB
      c.send_raw(batch);
      peak = std::max(peak, vm_rss_kib(d.pid()));
    }
  } catch (const std::exception& e) {
    MESSAGE("the daemon stopped taking pings after " << sent << ": " << e.what());
  }
  peak = std::max(peak, vm_rss_kib(d.pid()));
  MESSAGE("RSS " << base << " KiB before, peak " << peak << " KiB during " << sent << " pings");
  if (rss_bounds_checked) CHECK(peak - base < 32 * 1024);
  CHECK(close_seen(c, std::chrono::seconds(10)) == "1008 slow consumer");
  const auto h = d.http();
  CHECK(number_after(h.get("/metrics").body, "\nsensorhub_dropped_subscribers_total ") == 1);
  CHECK(healthy(d));
}

TEST_CASE("a ping flood that reads its pongs is closed with 1008 rate limited and others go on") {
  daemon_process d(auth_on());
  ws_client other = open_ws(d, "?channel=general");
  ws_client c = open_ws(d, "?channel=general");
  const std::string batch = pings(20);
  std::string closed;
  int warnings = 0;
  const auto take = [&](const ws_message& m) {
    if (m.type == ws_message::kind::close) {
      closed = std::to_string(m.close_code.value_or(-1)) + " " + m.payload;
    } else if (m.payload.find("\"rate_limited\"") != std::string::npos) {
      ++warnings;
    }
  };
  // Floods 20 pings at a time, reading what came back in between...
  for (int round = 0; round < 500 && closed.empty(); ++round) {
    try {
      c.send_raw(batch);
    } catch (const std::exception&) {
      break;  // closed and gone: what it sent is still to be read
    }
    while (closed.empty()) {
      const auto m = c.recv(std::chrono::milliseconds(1));
      if (!m) break;
      take(*m);
    }
  }
  // ...and reads the rest (the 1008 may still be behind the pongs).
  while (closed.empty()) {
    const auto m = c.recv(std::chrono::seconds(10));
    if (!m) break;
    take(*m);
  }
  INFO("eof " << c.eof() << ", protocol problem '" << c.protocol_problem() << "'");
  CHECK(closed == "1008 rate limited");
  CHECK(warnings == 10);  // message_flood_warnings
  CHECK(other.is_open());
  CHECK(drain_until_pong(other).empty());
  CHECK(healthy(d));
}

TEST_CASE("an oversized message is closed with 1009 even when only its header arrived") {
  daemon_process d;
  SUBCASE("one frame of max_message_bytes + 1") {
    ws_client c = open_ws(d, "?channel=general");
    c.send_frame(op_text, std::string((64u << 10) + 1, 'x'));
    CHECK(close_seen(c, std::chrono::seconds(10)) == "1009 message too big");
  }
  SUBCASE("a header announcing 1 GiB, no payload") {
    ws_client c = open_ws(d, "?channel=general");
    std::string h;
    h += static_cast<char>(0x81);
    h += static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i)
      h += static_cast<char>(((std::uint64_t{1} << 30) >> (8 * i)) & 0xFF);
    h += std::string(4, '\x11');  // the mask
    c.send_raw(h);
    CHECK(close_seen(c, std::chrono::seconds(10)) == "1009 message too big");
  }
  SUBCASE("fragments that add up past max_message_bytes") {
    ws_client c = open_ws(d, "?channel=general");
    const std::string kib(1024, 'x');
    std::string all = ws_client::encode_frame(op_text, kib, false);
    for (int i = 0; i < 100; ++i) all += ws_client::encode_frame(op_cont, kib, false);
    try {
      c.send_raw(all);
    } catch (const std::exception&) {  // closed while we were still sending: fine
    }
    CHECK(close_seen(c, std::chrono::seconds(10)) == "1009 message too big");
  }
  CHECK(healthy(d));
}

TEST_CASE(
    "many tiny fragmented messages are rate limited (1008) and empty fragments cost no memory") {
  daemon_process d(auth_on());
  SUBCASE("tiny messages in three fragments each") {
    ws_client c = open_ws(d, "?channel=general");
    std::string one = ws_client::encode_frame(op_text, "{", false);
    one += ws_client::encode_frame(op_cont, "}", false);
    one += ws_client::encode_frame(op_cont, "", true);
    std::string all;
    for (int i = 0; i < 200; ++i) all += one;
    c.send_raw(all);
    std::vector<std::string> skipped;
    CHECK(close_seen(c, std::chrono::seconds(10), &skipped) == "1008 rate limited");
    CHECK(std::count_if(skipped.begin(), skipped.end(), [](const std::string& s) {
            return s.find("\"rate_limited\"") != std::string::npos;
          }) == 10);  // message_flood_warnings
  }
  SUBCASE("200,000 empty continuation fragments make one message") {
    ws_client c = open_ws(d, "?channel=general");
    const std::size_t base = vm_rss_kib(d.pid());
    std::string all = ws_client::encode_frame(op_text, R"({"type":"ping"})", false);
    const std::string empty = ws_client::encode_frame(op_cont, "", false);
    for (int i = 0; i < 200000; ++i) all += empty;
    all += ws_client::encode_frame(op_cont, "", true);
    c.send_raw(all);  // 1.2 MB of frame headers
    const auto m = c.recv_json(std::chrono::seconds(30));
    REQUIRE(m.has_value());
    CHECK((*m)["type"].str() == "pong");
    const std::size_t after = vm_rss_kib(d.pid());
    MESSAGE("RSS " << base << " KiB before, " << after << " KiB after 200,000 empty fragments");
    if (rss_bounds_checked) CHECK(after - std::min(after, base) < 4 * 1024);
  }
  CHECK(healthy(d));
}

// SPDX-License-Identifier: MIT
// Hostile WebSocket clients, connections: handshake floods (half-sent
// heads, complete handshakes past the per-address cap) and connection churn
// ended with RST. The daemon's descriptors come back to their baseline and
// its memory does not drift.

#include <string>
#include <vector>

#include "e2e/hostile_ws/hostile_util.hpp"

using namespace sensorhub::e2e;
using namespace sensorhub::e2e::hostile;

namespace {

const std::string upgrade_head =
    "GET /api/v1/ws?channel=general HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
    "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Sec-WebSocket-Version: 13\r\n\r\n";
// The same head, cut before its end: the server waits for the rest.
const std::string half_head = upgrade_head.substr(0, upgrade_head.size() / 2);

// Everything the server sends until it closes (or the deadline).
std::string read_to_eof(tcp_socket& s, std::chrono::milliseconds timeout) {
  std::string out;
  const auto deadline = clock::now() + timeout;
  bool eof = false;
  while (!eof && s.try_read_some(out, deadline, eof)) {
  }
  return out;
}

// Reads until the end of a response head.
std::string read_head(tcp_socket& s) {
  std::string out;
  const auto deadline = clock::now() + std::chrono::seconds(10);
  while (out.find("\r\n\r\n") == std::string::npos) {
    if (!s.read_some(out, deadline)) break;
  }
  return out;
}

bool fds_back_to(const daemon_process& d, long baseline) {
  return wait_until([&] { return open_fd_count(d.pid()) <= baseline; }, std::chrono::seconds(30));
}

// One round of churn: `n` connections (half complete WebSocket handshakes,
// a quarter half-sent heads, a quarter HTTP requests never read), all
// ended with RST.
void churn_round(const daemon_process& d, int n) {
  std::vector<tcp_socket> socks;
  socks.reserve(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    socks.push_back(tcp_socket::connect(d.host(), d.port()));
    tcp_socket& s = socks.back();
    switch (i % 4) {
      case 0:
      case 1:
        s.send_all(upgrade_head);
        REQUIRE(read_head(s).rfind("HTTP/1.1 101", 0) == 0);
        break;
      case 2:
        s.send_all(half_head);
        break;
      default:
        s.send_all("GET /api/v1/ws/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        break;
    }
  }
  for (auto& s : socks) {
    set_linger_rst(s.fd());
    s.close();
  }
}

}  // namespace

TEST_CASE(
    "half-sent upgrade heads are answered 408 after the header timeout and cost nothing after") {
  daemon_process d;
  const long base_fds = open_fd_count(d.pid());
  const std::size_t base_rss = vm_rss_kib(d.pid());
  std::vector<tcp_socket> socks;
  for (int i = 0; i < 200; ++i) {
    socks.push_back(tcp_socket::connect(d.host(), d.port()));
    socks.back().send_all(half_head);
  }
  const std::size_t held_rss = vm_rss_kib(d.pid());
  int answered_408 = 0;
  std::string odd;
  for (auto& s : socks) {
    const std::string got = read_to_eof(s, std::chrono::seconds(30));
    if (got.rfind("HTTP/1.1 408", 0) == 0) {
      ++answered_408;
    } else if (odd.empty()) {
      odd = got.substr(0, 200);
    }
  }
  INFO("first other answer: " << odd);
  CHECK(answered_408 == 200);
  socks.clear();
  MESSAGE("RSS " << base_rss << " KiB before, " << held_rss << " KiB with 200 half heads");
  if (rss_bounds_checked) CHECK(held_rss - std::min(held_rss, base_rss) < 8 * 1024);
  CHECK(fds_back_to(d, base_fds));
  CHECK(healthy(d));
}

TEST_CASE("the per-address cap answers 429 to the 257th WebSocket of one address") {
  daemon_process d;
  const long base_fds = open_fd_count(d.pid());
  std::vector<ws_client> open;
  for (int i = 0; i < 256; ++i) open.push_back(open_ws(d, "?channel=general"));
  ws_client extra;
  const ws_handshake hs = extra.connect(d.host(), d.port(), "/api/v1/ws?channel=general");
  CHECK_FALSE(hs.upgraded);
  CHECK(error_mismatch(hs.response, 429, "rate_limited") == "");
  CHECK_FALSE(hs.response.header("retry-after").empty());
  // Another address is not counted with it.
  ws_client other;
  tcp_socket second = tcp_socket::connect(d.host(), d.port(), default_timeout, "127.0.0.2");
  const ws_handshake hs2 =
      other.upgrade(std::move(second), "127.0.0.1", "/api/v1/ws?channel=general");
  CHECK(hs2.upgraded);
  // Once one closes, the address may open one more.
  open.pop_back();
  CHECK(wait_until([&] {
    ws_client again;
    return again.connect(d.host(), d.port(), "/api/v1/ws?channel=general").upgraded;
  }));
  open.clear();
  other = ws_client();
  CHECK(fds_back_to(d, base_fds));
  CHECK(healthy(d));
}

TEST_CASE(
    "20 rounds of 200 connections ended with RST: descriptors back to baseline and no RSS drift") {
  daemon_process d;
  const long base_fds = open_fd_count(d.pid());
  churn_round(d, 200);  // warm-up: buffers and caches reach their working size
  REQUIRE(fds_back_to(d, base_fds));
  std::vector<std::size_t> rss;
  for (int round = 0; round < 20; ++round) {
    churn_round(d, 200);
    INFO("round " << round);
    REQUIRE(fds_back_to(d, base_fds));
    rss.push_back(vm_rss_kib(d.pid()));
  }
  std::string figures;
  for (auto r : rss) figures += std::to_string(r) + " ";
  MESSAGE("RSS KiB after each round: " << figures << "; fds " << open_fd_count(d.pid())
                                       << " (baseline " << base_fds << ")");
  if (rss_bounds_checked) CHECK(rss.back() - std::min(rss.back(), rss[1]) < 4 * 1024);
  CHECK(healthy(d));
}

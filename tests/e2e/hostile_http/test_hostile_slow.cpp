// SPDX-License-Identifier: MIT
// End-to-end, issue 10: clients that send slowly or send too much ahead.
// A head must be complete within limits.header_timeout_ms and a body within
// the idle timeout, however steadily the bytes trickle (408, then close);
// pipelined requests are answered in order whatever their size, while the
// daemon never reads more than max_header_bytes past the request in hand.

#include <string>
#include <vector>

#include "hostile_checks.hpp"

using namespace sensorhub::e2e;

namespace {

// Sends `bytes` one at a time, 200 ms apart, until the daemon answers or
// closes (or 30 s pass); returns what it sent.
std::size_t trickle_until_answered(http1_connection& c, const std::string& bytes) {
  std::size_t sent = 0;
  const auto deadline = clock::now() + std::chrono::seconds(30);
  while (sent < bytes.size() && clock::now() < deadline) {
    if (!c.try_send(bytes.substr(sent, 1))) break;
    ++sent;
    if (c.wait_closed(std::chrono::milliseconds(200))) break;  // closed, answer kept
  }
  return sent;
}

// The response the daemon sent before it closed (leftover() of a closed
// connection), parsed through a second http1-style read.
int status_of(const std::string& raw) {
  if (raw.rfind("HTTP/1.1 ", 0) != 0 || raw.size() < 12) return 0;
  return std::stoi(raw.substr(9, 3));
}

}  // namespace

TEST_CASE("slowloris on a head: one byte every 200 ms gets 408, then the connection closes") {
  temp_config cfg(R"({"limits":{"header_timeout_ms":1000}})");
  daemon_process d({"--config", cfg.path(), "--test-endpoints", "--no-auth"});
  http1_connection c = connect_http1(d);
  std::string head = bodiless(c, "GET", "/healthz", {{"X-Slow", std::string(400, 'a')}});
  const std::size_t sent = trickle_until_answered(c, head);
  INFO("sent " << sent << " of " << head.size() << " bytes: " << c.leftover());
  CHECK(sent < head.size());
  CHECK(status_of(c.leftover()) == 408);
  CHECK(c.leftover().find("\"error\":\"invalid_parameter\"") != std::string::npos);
  CHECK(healthy(d));
}

TEST_CASE("slowloris on a body: one byte every 200 ms gets 408 after the body timeout") {
  daemon_process d({"--idle-timeout-ms", "1000", "--test-endpoints", "--no-auth"});
  http1_connection c = connect_http1(d);
  const std::string body = sensor_body(std::string(400, 'b'));
  c.send(post_head(c, "/api/v1/sensores/", body.size()));
  const std::size_t sent = trickle_until_answered(c, body);
  INFO("sent " << sent << " of " << body.size() << " bytes: " << c.leftover());
  CHECK(sent < body.size());
  CHECK(status_of(c.leftover()) == 408);
  CHECK(d.http().get("/api/v1/sensores/").json().root().size() == 0);
  CHECK(healthy(d));
}

TEST_CASE("pipelining past max_header_bytes: requests with bodies and without, answered in order") {
  daemon_process d;
  http1_connection c = connect_http1(d);
  // 40 KiB of body (more than a head may be) between bodiless requests, and
  // 300 bodiless requests (far more than max_header_bytes) in one write.
  const std::string big = sensor_body("big") + std::string(40u << 10, ' ');
  std::string bytes = bodiless(c, "GET", "/healthz");
  bytes += json_post(c, "/api/v1/sensores/", big);
  for (int i = 0; i < 300; ++i) bytes += bodiless(c, "GET", "/healthz");
  bytes += json_post(c, "/api/v1/sensores/", sensor_body("last"));
  c.send(bytes);
  CHECK(c.read().status == 200);
  CHECK(c.read().status == 201);
  for (int i = 0; i < 300; ++i) REQUIRE(c.read().status == 200);
  const http_response last = c.read();
  CHECK(last.status == 201);
  CHECK(last.json()["modelo"].str() == "last");
  CHECK(healthy(d));
}

TEST_CASE("pipelined requests whose answers are never read: reading stops, RSS bounded") {
  daemon_process d;
  const std::size_t base = warm_baseline_kib(d);
  tcp_socket s = tcp_socket::connect(d.host(), d.port());
  std::string chunk;
  while (chunk.size() < (64u << 10)) chunk += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  // Up to 16 MiB of requests (~480,000 answers of ~150 bytes if all were
  // read), never reading an answer. A send that cannot finish in 2 s means
  // the daemon stopped reading; that only ends the attack early.
  std::size_t sent = 0;
  try {
    while (sent < (16u << 20)) {
      s.send_all(chunk, std::chrono::seconds(2));
      sent += chunk.size();
    }
  } catch (const std::exception&) {
  }
  const std::size_t rss = vm_rss_kib(d.pid());
  MESSAGE("unread pipelined answers: sent " << sent << " bytes of requests; VmRSS baseline " << base
                                            << " KiB, after " << rss << " KiB");
  if (rss_bounds_checked) CHECK(rss <= base + 32 * 1024);
  CHECK(healthy(d));
}

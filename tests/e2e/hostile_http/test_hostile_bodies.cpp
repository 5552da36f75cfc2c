// SPDX-License-Identifier: MIT
// End-to-end, issue 10: request bodies from clients that have not earned a
// byte of the daemon's memory. Decisions are taken on the request head (route,
// token, size) before the body is read, and all buffered bodies together stay
// within max_buffered_body_bytes. Bounds are on the daemon's VmRSS.

#include <string>
#include <vector>

#include "hostile_checks.hpp"

using namespace sensorhub::e2e;

namespace {

constexpr std::size_t mib = 1u << 20;
constexpr std::size_t attackers = 80;
constexpr std::size_t announced = 15 * mib;           // 15728640, under the batch limit
constexpr std::size_t rss_allowance_kib = 32 * 1024;  // over the warm baseline

// Opens `n` connections, sends each `head(c)`, and REQUIREs that every one is
// answered `status` on the head alone (its body not sent yet).
std::vector<http1_connection> answered_on_head(
    const daemon_process& d, std::size_t n, int status,
    const std::function<std::string(const http1_connection&)>& head) {
  std::vector<http1_connection> conns;
  for (std::size_t i = 0; i < n; ++i) {
    conns.push_back(connect_http1(d));
    conns.back().send(head(conns.back()));
  }
  for (auto& c : conns) {
    const http_response r = c.read(false, std::chrono::seconds(20));
    INFO(r.body);
    REQUIRE(r.status == status);
    CHECK(r.header("connection") == "close");
  }
  return conns;
}

}  // namespace

TEST_CASE("80 x Content-Length 15 MiB to a made-up route: 404 on the head, RSS bounded") {
  daemon_process d;
  const std::size_t base = warm_baseline_kib(d);
  auto conns = answered_on_head(d, attackers, 404, [](const http1_connection& c) {
    return post_head(c, "/no-such-route", announced);
  });
  // 80 x 1 MiB more of body: read and dropped while the connections linger.
  const std::size_t peak = trickle_bodies(conns, d.pid(), 16, 64u << 10);
  MESSAGE("404 flood: VmRSS baseline " << base << " KiB, peak " << peak << " KiB");
  if (rss_bounds_checked) CHECK(peak <= base + rss_allowance_kib);
  for (auto& c : conns) CHECK(c.wait_closed(std::chrono::seconds(20)));
  CHECK(healthy(d));
}

TEST_CASE("80 x Content-Length 15 MiB to the batch route without a token: 401, RSS bounded") {
  daemon_process d(std::vector<std::string>{});  // tokens required
  const std::size_t base = warm_baseline_kib(d);
  auto conns = answered_on_head(d, attackers, 401, [](const http1_connection& c) {
    return post_head(c, "/api/v1/lecturas/batch", announced);
  });
  const std::size_t peak = trickle_bodies(conns, d.pid(), 16, 64u << 10);
  MESSAGE("401 flood: VmRSS baseline " << base << " KiB, peak " << peak << " KiB");
  if (rss_bounds_checked) CHECK(peak <= base + rss_allowance_kib);
  for (auto& c : conns) CHECK(c.wait_closed(std::chrono::seconds(20)));
  CHECK(healthy(d));
}

TEST_CASE("the body budget: past it 503 + Retry-After, RSS bounded, others still served") {
  temp_config cfg(R"({"limits":{"max_buffered_body_bytes":8388608}})");  // 8 MiB
  daemon_process d({"--config", cfg.path()});
  const std::string token = d.create_token("writer", "read,write");
  REQUIRE(wait_until([&] {
    return d.http().request("GET", "/api/v1/sensores/", std::nullopt, bearer(token)).status == 200;
  }));
  const http_response sensor = d.http().request(
      "POST", "/api/v1/sensores/", std::string(R"({"tipo":"t","modelo":"m"})"), bearer(token));
  REQUIRE(sensor.status == 201);
  const std::string sensor_id = std::to_string(*sensor.json()["id"].i64());
  const std::size_t base = warm_baseline_kib(d);

  // Two holders of 3 MiB each: 100 Continue says the budget was taken.
  const std::size_t holder_bytes = 3 * mib;
  auto hold = [&] {
    http1_connection c = connect_http1(d);
    header_list h = bearer(token);
    h.emplace_back("Expect", "100-continue");
    c.send(post_head(c, "/api/v1/lecturas/batch", holder_bytes, h));
    return c;
  };
  std::vector<http1_connection> holders;
  for (int i = 0; i < 2; ++i) {
    holders.push_back(hold());
    REQUIRE(holders.back().read(true).status == 100);
  }
  // 6 of 8 MiB are taken: 18 more valid 3 MiB batches do not fit.
  auto refused = answered_on_head(d, 18, 503, [&](const http1_connection& c) {
    return post_head(c, "/api/v1/lecturas/batch", holder_bytes, bearer(token));
  });
  const http_response probe = [&] {
    http1_connection c = connect_http1(d);
    c.send(post_head(c, "/api/v1/lecturas/batch", holder_bytes, bearer(token)));
    return c.read();
  }();
  CHECK(error_mismatch(probe, 503, "unavailable") == "");
  CHECK(probe.header("retry-after") == "1");
  // The holders send all but the last byte; the refused trickle and are dropped.
  const std::string batch = "[{\"sensor_id\":" + sensor_id + ",\"valor\":1.5}]";
  const std::string body = batch + std::string(holder_bytes - batch.size(), ' ');
  for (auto& h : holders) h.send(body.substr(0, body.size() - 1));
  const std::size_t peak = trickle_bodies(refused, d.pid(), 16, 64u << 10);
  MESSAGE("body budget 8 MiB: VmRSS baseline " << base << " KiB, peak " << peak << " KiB");
  if (rss_bounds_checked) CHECK(peak <= base + rss_allowance_kib);
  for (auto& c : refused) CHECK(c.wait_closed(std::chrono::seconds(20)));

  // A small write from another client fits in the 2 MiB left.
  const http_response small =
      d.http()
          .from("127.0.0.2")
          .request("POST", "/api/v1/lecturas/", "{\"sensor_id\":" + sensor_id + ",\"valor\":2.5}",
                   bearer(token));
  CHECK(small.status == 201);

  // One holder is answered, the other hangs up: both give their share back
  // (exactly once: two more 3 MiB holders fit, a third does not).
  holders[0].send(body.substr(body.size() - 1));
  const http_response done = holders[0].read();
  INFO(done.body);
  CHECK(done.status == 201);
  holders[1] = http1_connection::open(d.host(), d.port());  // the old socket closes
  std::vector<http1_connection> again;
  REQUIRE(wait_until([&] {
    http1_connection c = hold();
    const http_response r = c.read(true);
    if (r.status != 100) return false;
    again.push_back(std::move(c));
    return again.size() == 2;
  }));
  http1_connection third = connect_http1(d);
  third.send(post_head(third, "/api/v1/lecturas/batch", holder_bytes, bearer(token)));
  CHECK(error_mismatch(third.read(), 503, "unavailable") == "");
  CHECK(healthy(d));
}

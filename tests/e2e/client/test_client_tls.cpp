// SPDX-License-Identifier: MIT
// End-to-end: sensorhub::client over wss:// through a TLS-terminating proxy
// (tests/support/tls_proxy) in front of the real daemon, with a throwaway CA
// made by the openssl CLI: events arrive once and survive a daemon SIGKILL
// behind the proxy; an untrusted CA or a certificate for another host is
// refused, reported, retried, and delivers nothing.

#include <algorithm>

#include "client_e2e.hpp"
#include "support/test_certs.hpp"
#include "support/tls_proxy.hpp"

using namespace sensorhub::e2e;

namespace {

std::string wss_url(const std::string& host, const tls_proxy& p) {
  return "wss://" + host + ":" + std::to_string(p.port());
}

sc::client_options tls_options(const std::string& url) {
  sc::client_options o;
  o.url = url;
  o.channels = {"sensors"};
  o.backoff.initial = std::chrono::milliseconds(20);
  o.backoff.max = std::chrono::milliseconds(250);
  o.ping_interval = std::chrono::milliseconds(500);
  return o;
}

bool any_error_has(const recorder& rec, const std::string& text) {
  for (const auto& e : rec.errors())
    if (e.kind == sc::error_kind::connect_failed && e.message.find(text) != std::string::npos)
      return true;
  return false;
}

std::string all_errors(const recorder& rec) {
  std::string s;
  for (const auto& e : rec.errors())
    s += std::string(sc::to_string(e.kind)) + ": " + e.message + "\n";
  return s;
}

}  // namespace

TEST_CASE("wss:// through a TLS proxy: every event once, resumed across a daemon SIGKILL") {
  temp_dir dir("sensorhub-tls");
  const test_certs certs(dir.path());
  const auto server = certs.issue("server", "IP:127.0.0.1,DNS:localhost");
  daemon_process d;
  tls_proxy proxy(server.cert, server.key, d.port());

  sc::client_options o = tls_options(wss_url("127.0.0.1", proxy));
  o.tls_ca_file = certs.ca_cert.string();
  recorder rec;
  sc::client c(o);
  rec.attach(c);
  c.start();
  REQUIRE(wait_until([&] { return c.state() == sc::connection_state::open; },
                     std::chrono::seconds(30)));
  CHECK(proxy.accepted() == 1);

  const auto h = d.http();
  for (int i = 0; i < 3; ++i) create_sensor(h, "tls", "m" + std::to_string(i));
  REQUIRE(wait_until([&] { return rec.events().size() >= 3; }, std::chrono::seconds(30)));

  // The daemon dies and comes back on the same port; the proxy stays. The
  // client reconnects through the proxy and resumes with since.
  d.kill9();
  restart_same_port(d);
  const auto h2 = d.http();
  const std::int64_t id = create_sensor(h2, "tls", "after");
  REQUIRE(h2.del("/api/v1/sensores/" + std::to_string(id)).status == 204);

  const std::vector<std::int64_t> history = history_seqs(h2, "sensors");
  REQUIRE(history.size() == 5);
  REQUIRE(wait_until([&] { return c.last_seq().value_or(0) >= history.back(); },
                     std::chrono::seconds(60)));
  c.stop();
  std::vector<std::int64_t> seqs;
  for (const auto& e : rec.events()) {
    CHECK(e.kind == sc::event_kind::entity);
    seqs.push_back(e.seq.value_or(0));
  }
  CHECK(seqs == history);  // each once, in order
  INFO(all_errors(rec));
  CHECK(rec.count_states(sc::connection_state::resumed) >= 1);
  CHECK(proxy.accepted() >= 2);
  for (const auto& e : rec.errors()) CHECK(e.message.find("certificate") == std::string::npos);
  CHECK(healthy(d));
}

TEST_CASE("wss:// without the test CA: verification fails, is retried, and nothing is delivered") {
  temp_dir dir("sensorhub-tls");
  const test_certs certs(dir.path());
  const auto server = certs.issue("server", "IP:127.0.0.1,DNS:localhost");
  daemon_process d;
  tls_proxy proxy(server.cert, server.key, d.port());

  SUBCASE("retried with backoff") {
    sc::client_options o = tls_options(wss_url("127.0.0.1", proxy));  // no tls_ca_file
    recorder rec;
    sc::client c(o);
    rec.attach(c);
    c.start();
    // Several attempts, each refused by the verification.
    REQUIRE(wait_until([&] { return rec.errors().size() >= 3; }, std::chrono::seconds(60)));
    create_sensor(d.http(), "tls", "unseen");
    const std::uint64_t attempts = proxy.accepted();
    REQUIRE(wait_until([&] { return proxy.accepted() >= attempts + 2; }, std::chrono::seconds(60)));
    c.stop();
    INFO(all_errors(rec));
    CHECK(any_error_has(rec, "TLS: certificate verification of 127.0.0.1 failed"));
    CHECK(rec.events().empty());
    CHECK(rec.count_states(sc::connection_state::open) == 0);
    CHECK(rec.count_states(sc::connection_state::reconnect_wait) >= 3);
    // The daemon never saw a WebSocket client.
    CHECK(d.http().get("/api/v1/ws/stats").json()["channels"]["sensors"]["connections"].i64() == 0);
  }
  SUBCASE("retry_initial_connect = false: the client stops with the error") {
    sc::client_options o = tls_options(wss_url("127.0.0.1", proxy));
    o.retry_initial_connect = false;
    recorder rec;
    sc::client c(o);
    rec.attach(c);
    c.start();
    REQUIRE(wait_until([&] { return c.state() == sc::connection_state::stopped; },
                       std::chrono::seconds(60)));
    const auto err = c.stop_error();
    REQUIRE(err.has_value());
    CHECK(err->kind == sc::error_kind::connect_failed);
    CHECK(err->message.find("certificate verification") != std::string::npos);
    CHECK(rec.events().empty());
  }
  CHECK(healthy(d));
}

TEST_CASE("a certificate for another host is refused, the right name (DNS) is accepted") {
  temp_dir dir("sensorhub-tls");
  const test_certs certs(dir.path());
  const auto other = certs.issue("other", "DNS:other.example,IP:127.0.0.2");
  const auto local = certs.issue("local", "DNS:localhost");
  daemon_process d;
  tls_proxy wrong(other.cert, other.key, d.port());
  tls_proxy right(local.cert, local.key, d.port());

  // Signed by the trusted CA, but not for 127.0.0.1.
  sc::client_options o = tls_options(wss_url("127.0.0.1", wrong));
  o.tls_ca_file = certs.ca_cert.string();
  recorder rec;
  sc::client c(o);
  rec.attach(c);
  c.start();
  REQUIRE(wait_until([&] { return rec.errors().size() >= 2; }, std::chrono::seconds(60)));

  // The same CA and a certificate naming localhost, reached as localhost.
  sc::client_options ok = tls_options(wss_url("localhost", right));
  ok.tls_ca_file = certs.ca_cert.string();
  recorder ok_rec;
  sc::client good(ok);
  ok_rec.attach(good);
  good.start();
  REQUIRE(wait_until([&] { return good.state() == sc::connection_state::open; },
                     std::chrono::seconds(30)));
  CHECK(right.last_server_name() == "localhost");  // SNI

  // Verification off: the wrong certificate is accepted (what verification refused).
  sc::client_options off = tls_options(wss_url("127.0.0.1", wrong));
  off.tls_verify_peer = false;
  sc::client insecure(off);
  insecure.start();
  REQUIRE(wait_until([&] { return insecure.state() == sc::connection_state::open; },
                     std::chrono::seconds(30)));

  create_sensor(d.http(), "tls", "seen");
  REQUIRE(wait_until([&] { return ok_rec.events().size() == 1; }, std::chrono::seconds(30)));
  REQUIRE(wait_until([&] { return insecure.last_seq().has_value(); }, std::chrono::seconds(30)));
  const std::size_t refused_before = rec.errors().size();
  REQUIRE(
      wait_until([&] { return rec.errors().size() > refused_before; }, std::chrono::seconds(60)));
  c.stop();
  good.stop();
  insecure.stop();
  INFO(all_errors(rec));
  CHECK(any_error_has(rec, "the certificate is not for host '127.0.0.1'"));
  CHECK(rec.events().empty());
  CHECK(rec.count_states(sc::connection_state::open) == 0);
  CHECK(ok_rec.errors().empty());
  CHECK(healthy(d));
}

// SPDX-License-Identifier: MIT
// End-to-end: wss:// served by the daemon itself with sensorhub::client
// (events written over https arrive), and the certificate reload on SIGHUP:
// open connections keep theirs and go on receiving, new handshakes get the
// new certificate, and a bad new pair is logged while the old one stays.

#include "../client/client_e2e.hpp"
#include "tls_e2e.hpp"

using namespace sensorhub::e2e;

namespace {

sc::client_options wss_options(const daemon_process& d, const test_certs& certs) {
  sc::client_options o;
  o.url = "wss://127.0.0.1:" + std::to_string(d.port());
  o.channels = {"sensors"};
  o.tls_ca_file = certs.ca_cert.string();
  o.backoff.initial = std::chrono::milliseconds(20);
  o.backoff.max = std::chrono::milliseconds(250);
  return o;
}

bool has_modelo(const recorder& rec, const std::string& modelo) {
  for (const auto& e : rec.events())
    if (e.json.find("\"" + modelo + "\"") != std::string::npos) return true;
  return false;
}

// Sends SIGHUP and waits for the daemon to log `what` once more.
void sighup(daemon_process& d, const std::string& what) {
  const std::size_t before = log_count(d, what);
  d.signal(SIGHUP);
  REQUIRE(wait_until([&] { return log_count(d, what) > before; }, std::chrono::seconds(30)));
}

}  // namespace

TEST_CASE("wss:// with sensorhub::client: events written over https arrive, each once") {
  tls_setup t;
  daemon_process d(t.flags());
  recorder rec;
  sc::client c(wss_options(d, t.certs));
  rec.attach(c);
  c.start();
  REQUIRE(wait_until([&] { return c.state() == sc::connection_state::open; },
                     std::chrono::seconds(30)));
  tls_client w = https(d, t.certs);
  for (int i = 0; i < 5; ++i) create_sensor_tls(w, "tls", "wss-" + std::to_string(i));
  REQUIRE(wait_until([&] { return rec.events().size() >= 5; }, std::chrono::seconds(30)));
  c.stop();
  const auto events = rec.events();
  CHECK(events.size() == 5);
  for (int i = 0; i < 5; ++i) CHECK(has_modelo(rec, "wss-" + std::to_string(i)));
  CHECK(rec.errors().empty());
  CHECK(healthy_tls(d, t.certs));
}

TEST_CASE("SIGHUP reloads the certificate: open connections keep theirs, a bad pair is refused") {
  tls_setup t;
  daemon_process d(t.flags());
  const std::string sha_a = cert_file_sha256(t.a.cert);
  const std::string sha_b = cert_file_sha256(t.b.cert);
  REQUIRE(sha_a != sha_b);

  // Opened with certificate a: a wss:// client and an SSE stream.
  recorder rec;
  sc::client c(wss_options(d, t.certs));
  rec.attach(c);
  c.start();
  REQUIRE(wait_until([&] { return c.state() == sc::connection_state::open; },
                     std::chrono::seconds(30)));
  tls_client sse = https(d, t.certs);
  CHECK(sse.peer_sha256() == sha_a);
  sse.send("GET /api/v1/events/stream?channel=sensors HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  REQUIRE(sse.read_until("\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0);
  tls_client keep = https(d, t.certs);  // a keep-alive REST connection
  CHECK(keep.peer_sha256() == sha_a);

  install_pair(t.b, t.cert, t.key);
  sighup(d, "TLS certificate reloaded");
  CHECK(d.stderr_text().find(sha_b) != std::string::npos);  // logged what it serves now

  tls_client fresh = https(d, t.certs);
  CHECK(fresh.peer_sha256() == sha_b);
  CHECK(fresh.peer_subject() == "CN=b");
  create_sensor_tls(keep, "tls", "after-reload");  // the old connection still works
  REQUIRE(wait_until([&] { return has_modelo(rec, "after-reload"); }, std::chrono::seconds(30)));
  sse.read_until("\"after-reload\"");
  CHECK(c.state() == sc::connection_state::open);
  CHECK(rec.count_states(sc::connection_state::reconnect_wait) == 0);  // never reconnected

  // A bad pair: the reload fails, is logged, and b is still served.
  write_file(t.cert, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
  sighup(d, "TLS reload failed");
  CHECK(https(d, t.certs).peer_sha256() == sha_b);
  // A key that does not match: the same.
  install_pair(t.a, t.cert, t.key);
  fs::copy_file(t.b.key, t.key, fs::copy_options::overwrite_existing);
  sighup(d, "TLS reload failed");
  CHECK(https(d, t.certs).peer_sha256() == sha_b);

  create_sensor_tls(fresh, "tls", "after-bad-reload");
  REQUIRE(
      wait_until([&] { return has_modelo(rec, "after-bad-reload"); }, std::chrono::seconds(30)));
  sse.read_until("\"after-bad-reload\"");
  CHECK(rec.count_states(sc::connection_state::reconnect_wait) == 0);
  c.stop();
  CHECK(d.running());
  CHECK(healthy_tls(d, t.certs));
}

// SPDX-License-Identifier: MIT
// End-to-end: the real daemon serving https:// itself (--tls-cert and
// --tls-key, or the config keys): REST and Server-Sent Events over TLS on
// keep-alive connections, a plain-HTTP request answered 400 in plain text,
// garbage and stalled handshakes closed without touching other clients,
// and bad certificate files refused at start with a clear error.

#include "support/http1_connection.hpp"
#include "tls_e2e.hpp"

using namespace sensorhub::e2e;

TEST_CASE("REST over https: POST and GET, several requests on one keep-alive connection") {
  tls_setup t;
  daemon_process d(t.flags());
  CHECK(d.first_line().rfind("listening on https://", 0) == 0);
  CHECK(log_count(d, "TLS on: serving certificate") == 1);

  tls_client c = https(d, t.certs);
  CHECK(c.peer_sha256() == cert_file_sha256(t.a.cert));
  CHECK(c.peer_subject() == "CN=a");
  CHECK((c.protocol() == "TLSv1.2" || c.protocol() == "TLSv1.3"));

  const std::int64_t id = create_sensor_tls(c, "tls", "rest");
  for (int i = 0; i < 5; ++i) {  // the same connection every time
    const http_response r = c.request("GET", "/api/v1/sensores/" + std::to_string(id));
    INFO(r.status << " " << r.body);
    REQUIRE(r.status == 200);
    CHECK(r.json()["modelo"].str() == "rest");
    CHECK(r.header("connection") != "close");
  }
  const http_response list = c.request("GET", "/api/v1/sensores/");
  CHECK(list.status == 200);
  CHECK(list.body.find("\"rest\"") != std::string::npos);
  CHECK(c.request("HEAD", "/healthz").status == 200);
  CHECK(c.request("GET", "/healthz").body.find("ok") != std::string::npos);

  // 30 pipelined POSTs in one write: more plaintext than one read may take
  // ahead, so the rest waits decrypted inside the TLS session.
  std::string pipelined;
  for (int i = 0; i < 30; ++i) {
    const std::string body =
        "{\"tipo\":\"tls\",\"modelo\":\"p" + std::to_string(i) + "\"}" + std::string(2000, ' ');
    pipelined +=
        "POST /api/v1/sensores/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        "Content-Type: application/json\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
  }
  c.send(pipelined);
  for (int i = 0; i < 30; ++i) {
    const http_response r = c.read_response("POST");
    INFO("answer " << i << ": " << r.status << " " << r.body);
    REQUIRE(r.status == 201);
    CHECK(r.json()["modelo"].str() == "p" + std::to_string(i));
  }
  CHECK(c.request("GET", "/healthz").status == 200);

  tls_client by_name = https(d, t.certs, "localhost");  // SNI and a DNS name
  CHECK(by_name.request("GET", "/healthz").status == 200);
  CHECK(healthy_tls(d, t.certs));
}

TEST_CASE("SSE over https: the stream carries events written over https") {
  tls_setup t;
  daemon_process d(t.flags());
  tls_client s = https(d, t.certs);
  s.send(
      "GET /api/v1/events/stream?channel=sensors HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Accept: text/event-stream\r\n\r\n");
  const std::string head = s.read_until("\r\n\r\n");
  INFO(head);
  REQUIRE(head.rfind("HTTP/1.1 200", 0) == 0);
  CHECK(head.find("text/event-stream") != std::string::npos);
  s.read_until("event: stats");

  tls_client w = https(d, t.certs);
  for (int i = 0; i < 3; ++i) create_sensor_tls(w, "tls", "sse-" + std::to_string(i));
  for (int i = 0; i < 3; ++i) {
    const std::string got = s.read_until("\"sse-" + std::to_string(i) + "\"");
    CHECK(got.find("event: entity_event") != std::string::npos);
  }
  CHECK(healthy_tls(d, t.certs));
}

TEST_CASE("a plain HTTP request to the TLS port gets 400 in plain text, then the close") {
  tls_setup t;
  daemon_process d(t.flags());
  http1_connection c = http1_connection::open(d.host(), d.port());
  c.send(http1_request("GET", "/healthz", c.authority()));
  const http_response r = c.read();
  INFO(r.status << " " << r.body);
  CHECK(r.status == 400);
  CHECK(r.header("content-type") == "application/json");
  CHECK(r.json()["error"].str() == "invalid_parameter");
  CHECK(r.json()["detail"].str().find("https://") != std::string::npos);
  CHECK(c.wait_closed());

  // A body and pipelined requests change nothing.
  http1_connection p = http1_connection::open(d.host(), d.port());
  p.send(http1_request("POST", "/api/v1/sensores/", p.authority(), {}, std::string(5000, 'x')) +
         http1_request("GET", "/healthz", p.authority()));
  CHECK(p.read().status == 400);
  CHECK(p.wait_closed());
  CHECK(healthy_tls(d, t.certs));
}

TEST_CASE("garbage, truncated and silent handshakes are closed while other clients go on") {
  tls_setup t;
  // The config file's keys, and a short header timeout that also bounds
  // the handshake.
  const fs::path config = t.dir.path() / "sensorhubd.json";
  write_file(config, "{\"tls_cert\": " + json_quote(t.cert.string()) +
                         ", \"tls_key\": " + json_quote(t.key.string()) +
                         ", \"limits\": {\"header_timeout_ms\": 1000}}");
  std::vector<std::string> flags = default_daemon_flags();
  flags.insert(flags.end(), {"--config", config.string()});
  daemon_process d(flags);
  REQUIRE(d.first_line().rfind("listening on https://", 0) == 0);

  tls_client ok = https(d, t.certs);
  REQUIRE(ok.request("GET", "/healthz").status == 200);

  // A handshake record of garbage: a TLS alert or nothing, then the close.
  http1_connection garbage = http1_connection::open(d.host(), d.port());
  garbage.send(std::string("\x16\x03\x01\x00\x40", 5) + std::string(64, '\x7f'));
  CHECK(garbage.wait_closed());
  // A record longer than TLS allows: refused at once.
  http1_connection oversized = http1_connection::open(d.host(), d.port());
  oversized.send(std::string("\x16\x03\x01\xff\xff\x01\x00", 7));
  CHECK(oversized.wait_closed());
  // A ClientHello cut short; a connection that never speaks. Both wait for
  // the handshake timeout while the others are served.
  http1_connection truncated = http1_connection::open(d.host(), d.port());
  truncated.send(std::string("\x16\x03\x01\x00\x40\x01\x00\x00\x3c\x03\x03", 11));
  http1_connection silent = http1_connection::open(d.host(), d.port());
  // Many handshake-looking bytes at once.
  http1_connection flood = http1_connection::open(d.host(), d.port());
  flood.try_send(std::string(1, '\x16') + std::string(256u << 10, '\x03'));

  for (int i = 0; i < 3; ++i) CHECK(ok.request("GET", "/healthz").status == 200);
  tls_client fresh = https(d, t.certs);
  CHECK(create_sensor_tls(fresh, "tls", "still-served") > 0);

  CHECK(truncated.wait_closed(std::chrono::seconds(20)));
  CHECK(silent.wait_closed(std::chrono::seconds(20)));
  CHECK(flood.wait_closed(std::chrono::seconds(20)));
  CHECK(ok.request("GET", "/healthz").status == 200);
  CHECK(healthy_tls(d, t.certs));
}

TEST_CASE("missing, bad or mismatched certificate files: a clear error and a non-zero exit") {
  tls_setup t;
  const std::string db = (t.dir.path() / "x.db").string();
  const auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args{default_daemon_binary(), "--port", "0", "--db", db};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_command(args);
  };
  const std::string missing = (t.dir.path() / "missing.pem").string();
  auto r = run({"--tls-cert", missing, "--tls-key", t.key.string()});
  INFO(r.output);
  CHECK(WIFEXITED(r.status));
  CHECK(WEXITSTATUS(r.status) != 0);
  CHECK(r.output.find("cannot read TLS certificate " + missing) != std::string::npos);
  CHECK(r.output.find("listening on") == std::string::npos);

  const fs::path junk = t.dir.path() / "junk.pem";
  write_file(junk, "not a certificate\n");
  r = run({"--tls-cert", junk.string(), "--tls-key", t.key.string()});
  INFO(r.output);
  CHECK(WEXITSTATUS(r.status) != 0);
  CHECK(r.output.find("cannot load TLS certificate " + junk.string()) != std::string::npos);

  r = run({"--tls-cert", t.a.cert.string(), "--tls-key", t.b.key.string()});
  INFO(r.output);
  CHECK(WEXITSTATUS(r.status) != 0);
  CHECK(r.output.find("does not match") != std::string::npos);

  r = run({"--tls-cert", t.a.cert.string()});
  INFO(r.output);
  CHECK(WEXITSTATUS(r.status) == 2);
  CHECK(r.output.find("needs --tls-key") != std::string::npos);
}

TEST_CASE("TLS 1.1 is refused with a protocol_version alert, TLS 1.2 has no compression") {
  tls_setup t;
  daemon_process d(t.flags());
  const std::string target = "127.0.0.1:" + std::to_string(d.port());
  // SECLEVEL=0 lets this OpenSSL offer TLS 1.1 at all.
  const auto old = run_command({openssl_binary(), "s_client", "-connect", target, "-tls1_1",
                                "-cipher", "DEFAULT:@SECLEVEL=0"});
  INFO(old.output);
  CHECK(old.output.find("alert protocol version") != std::string::npos);
  const auto v12 = run_command({openssl_binary(), "s_client", "-connect", target, "-tls1_2",
                                "-CAfile", t.certs.ca_cert.string()});
  INFO(v12.output);
  CHECK(v12.output.find("Protocol  : TLSv1.2") != std::string::npos);
  CHECK(v12.output.find("Compression: NONE") != std::string::npos);
  CHECK(v12.output.find("Verify return code: 0 (ok)") != std::string::npos);
  CHECK(healthy_tls(d, t.certs));
}

TEST_CASE("an https SSE stream that stops reading is cut as a slow consumer, then ends") {
  tls_setup t;
  const fs::path config = t.dir.path() / "backlog.json";
  write_file(config, R"({"limits":{"backlog_bytes":262144}})");
  daemon_process d(t.flags({"--config", config.string()}));
  tls_client w = https(d, t.certs);
  const std::int64_t sid = create_sensor_tls(w, "tls", "backlog");
  tls_client slow = https(d, t.certs);
  slow.send("GET /api/v1/events/stream?channel=readings HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  REQUIRE(slow.read_until("\r\n\r\n").rfind("HTTP/1.1 200", 0) == 0);
  slow.read_until("event: stats");

  std::string batch = "[";
  for (int i = 0; i < 1000; ++i) {
    batch += (i ? ",{\"sensor_id\":" : "{\"sensor_id\":") + std::to_string(sid) +
             ",\"valor\":1.5,\"unidad\":\"padding-padding-padding-pad\"}";
  }
  batch += "]";
  const auto streams = [&] {
    return w.request("GET", "/api/v1/ws/stats").json()["channels"]["readings"]["connections"].i64();
  };
  int written = 0;
  while (streams() != 0) {  // until the daemon lets the stream go
    REQUIRE(written < 200000);
    REQUIRE(w.request("POST", "/api/v1/lecturas/batch", batch).status == 201);
    written += 1000;
  }
  slow.read_until("event: slow_consumer", std::chrono::seconds(30));
  CHECK(slow.read_until("\r\n0\r\n\r\n").find("\"error\":\"slow_consumer\"") !=
        std::string::npos);  // the record, then the last chunk: the stream ended
  CHECK(healthy_tls(d, t.certs));
}

// SPDX-License-Identifier: MIT
// End-to-end: sensorhub::client::fetch_aggregates against the real daemon:
// readings posted over REST with explicit timestamps come back as the
// buckets computed here; HTTP errors carry the status and the daemon's body;
// https:// against the daemon's own TLS (--tls-cert/--tls-key) verifies the
// chain and the host name; a silent server ends in the timeout;
// sensorhub-cli history prints one line per bucket.

#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <map>

#include "client_e2e.hpp"
#include "sensorhub/client/history.hpp"
#include "support/child_process.hpp"
#include "support/test_certs.hpp"
#include "support/tls_client.hpp"

using namespace sensorhub::e2e;

namespace {

struct reading {
  std::string ts;  // RFC 3339 as sent
  std::string bucket_start_1h;
  double valor;
};

// Two hours of readings, sent with several UTC offsets and out of order:
// 05:xx UTC and 06:xx UTC, plus one outside the queried range.
const std::vector<reading> readings = {
    {"2025-07-20T05:10:00Z", "2025-07-20T05:00:00.000000+00:00", 21.5},
    {"2025-07-20T07:05:00+02:00", "2025-07-20T05:00:00.000000+00:00", 19.25},  // 05:05 UTC
    {"2025-07-20T05:59:59Z", "2025-07-20T05:00:00.000000+00:00", 23.0},
    {"2025-07-20T01:30:00-05:00", "2025-07-20T06:00:00.000000+00:00", -4.5},  // 06:30 UTC
    {"2025-07-20T06:00:00Z", "2025-07-20T06:00:00.000000+00:00", 10.0},
    {"2025-07-20T04:59:59Z", "", 99.0},  // before `since`
};

const std::string since = "2025-07-20T05:00:00Z";
const std::string until = "2025-07-20T07:00:00Z";

std::string reading_body(std::int64_t sensor, const reading& r) {
  std::ostringstream b;
  b << "{\"sensor_id\":" << sensor << ",\"valor\":" << r.valor << ",\"timestamp\":\"" << r.ts
    << "\"}";
  return b.str();
}

// What the daemon must answer for `readings` with bucket=1h in [since, until).
std::vector<sc::agg_bucket> expected_1h() {
  std::map<std::string, std::vector<const reading*>> by_bucket;
  for (const auto& r : readings)
    if (!r.bucket_start_1h.empty()) by_bucket[r.bucket_start_1h].push_back(&r);
  std::vector<sc::agg_bucket> out;
  for (auto& [start, rs] : by_bucket) {
    // first/last by time: the timestamps, taken to UTC, sort as the hours list.
    std::sort(rs.begin(), rs.end(), [](const reading* a, const reading* b) {
      auto utc = [](const reading* r) {
        if (r->ts == "2025-07-20T07:05:00+02:00") return std::string("2025-07-20T05:05:00Z");
        if (r->ts == "2025-07-20T01:30:00-05:00") return std::string("2025-07-20T06:30:00Z");
        return r->ts;
      };
      return utc(a) < utc(b);
    });
    sc::agg_bucket b;
    b.bucket_start = start;
    b.count = static_cast<std::int64_t>(rs.size());
    b.min = b.max = rs.front()->valor;
    double sum = 0;
    for (const reading* r : rs) {
      b.min = std::min(b.min, r->valor);
      b.max = std::max(b.max, r->valor);
      sum += r->valor;
    }
    b.avg = sum / static_cast<double>(rs.size());
    b.first = rs.front()->valor;
    b.last = rs.back()->valor;
    out.push_back(b);
  }
  return out;
}

void check_buckets(const std::vector<sc::agg_bucket>& got,
                   const std::vector<sc::agg_bucket>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("bucket " << i << " " << want[i].bucket_start);
    CHECK(got[i].bucket_start == want[i].bucket_start);
    CHECK(got[i].count == want[i].count);
    CHECK(got[i].min == doctest::Approx(want[i].min));
    CHECK(got[i].max == doctest::Approx(want[i].max));
    CHECK(got[i].avg == doctest::Approx(want[i].avg));
    CHECK(got[i].first == doctest::Approx(want[i].first));
    CHECK(got[i].last == doctest::Approx(want[i].last));
  }
}

sc::history_options options_for(const std::string& url) {
  sc::history_options o;
  o.url = url;
  o.timeout = std::chrono::seconds(60);  // loaded CI machines, sanitizers
  return o;
}

// The error fetch_aggregates throws (REQUIREs that it throws one).
sc::history_error error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const sc::history_error& e) {
    return e;
  }
  FAIL("no history_error thrown");
  return sc::history_error(sc::error_kind::bad_message, "unreachable");
}

}  // namespace

TEST_CASE("fetch_aggregates over http:// answers the buckets of the posted readings") {
  daemon_process d;
  const auto h = d.http();
  const std::int64_t id = create_sensor(h);
  const std::int64_t other = create_sensor(h);
  for (const auto& r : readings) post_created(h, "/api/v1/lecturas/", reading_body(id, r));
  // Another sensor's readings in the same hours are not counted.
  post_created(h, "/api/v1/lecturas/", reading_body(other, readings[0]));

  const sc::history_options o = options_for(url_of(d));
  check_buckets(sc::fetch_aggregates(o, id, "1h", since, until), expected_1h());

  // ws:// URLs (with a path) reach the same REST endpoint.
  sc::history_options ws = o;
  ws.url = "ws://" + d.host() + ":" + std::to_string(d.port()) + "/api/v1/ws";
  check_buckets(sc::fetch_aggregates(ws, id, "1h", since, until), expected_1h());

  // 1d: one bucket at UTC midnight holding all six readings (no range cut).
  const auto day = sc::fetch_aggregates(o, id, "1d", std::string("2025-07-20T00:00:00Z"),
                                        std::string("2025-07-21T00:00:00Z"));
  REQUIRE(day.size() == 1);
  CHECK(day[0].bucket_start == "2025-07-20T00:00:00.000000+00:00");
  CHECK(day[0].count == 6);
  CHECK(day[0].max == doctest::Approx(99.0));
  CHECK(day[0].first == doctest::Approx(99.0));  // 04:59:59 is the earliest
  CHECK(day[0].last == doctest::Approx(-4.5));   // 06:30 is the latest

  // 1m inside 05:xx: three one-reading buckets; since >= until: none.
  const auto minutes =
      sc::fetch_aggregates(o, id, "1m", since, std::string("2025-07-20T06:00:00Z"));
  REQUIRE(minutes.size() == 3);
  CHECK(minutes[0].bucket_start == "2025-07-20T05:05:00.000000+00:00");
  CHECK(minutes[0].avg == doctest::Approx(19.25));
  CHECK(sc::fetch_aggregates(o, id, "1h", until, since).empty());
  // No readings at all in the default range (the last 24 h).
  CHECK(sc::fetch_aggregates(o, id).empty());
}

TEST_CASE("fetch_aggregates errors carry the HTTP status and the daemon's body") {
  daemon_process d;
  const auto h = d.http();
  const std::int64_t id = create_sensor(h);
  const sc::history_options o = options_for(url_of(d));

  const auto not_found = error_of([&] { sc::fetch_aggregates(o, id + 1000, "1h"); });
  CHECK(not_found.kind() == sc::error_kind::rejected);
  CHECK(not_found.http_status() == 404);
  CHECK(json_doc::parse(not_found.body())["error"].str() == "not_found");
  CHECK(std::string(not_found.what()).find("404") != std::string::npos);

  const auto bad_bucket = error_of([&] { sc::fetch_aggregates(o, id, "2h"); });
  CHECK(bad_bucket.http_status() == 400);
  CHECK(json_doc::parse(bad_bucket.body())["error"].str() == "invalid_parameter");

  const auto bad_since =
      error_of([&] { sc::fetch_aggregates(o, id, "1h", std::string("yesterday")); });
  CHECK(bad_since.http_status() == 400);

  CHECK_THROWS_AS(sc::fetch_aggregates(options_for("ftp://127.0.0.1:1"), id),
                  std::invalid_argument);
  sc::history_options injected = o;
  injected.token = "t\r\nX-Evil: 1";
  CHECK_THROWS_AS(sc::fetch_aggregates(injected, id), std::invalid_argument);

  // The daemon gone: connect_failed, no status.
  const std::string url = url_of(d);
  d.stop(std::chrono::seconds(30));
  const auto gone = error_of([&] { sc::fetch_aggregates(options_for(url), id); });
  CHECK(gone.kind() == sc::error_kind::connect_failed);
  CHECK(gone.http_status() == 0);
}

TEST_CASE("fetch_aggregates over https:// to the daemon's own TLS verifies chain and host") {
  temp_dir dir("sensorhub-history-tls");
  const test_certs certs(dir.path());
  // For the name localhost only: 127.0.0.1 does not match it.
  const auto server = certs.issue("server", "DNS:localhost");
  std::vector<std::string> flags = default_daemon_flags();
  flags.insert(flags.end(), {"--tls-cert", server.cert.string(), "--tls-key", server.key.string()});
  daemon_process d(flags);
  const std::string port = std::to_string(d.port());

  tls_client c("localhost", d.port(), certs.ca_cert);
  const http_response created =
      c.request("POST", "/api/v1/sensores/", R"({"tipo":"temperatura","modelo":"DHT22"})");
  REQUIRE(created.status == 201);
  const auto id = created.json()["id"].i64();
  REQUIRE(id.has_value());
  for (const auto& r : readings) {
    const http_response rr = c.request("POST", "/api/v1/lecturas/", reading_body(*id, r));
    INFO(rr.body);
    REQUIRE(rr.status == 201);
  }

  sc::history_options o = options_for("https://localhost:" + port);
  o.tls_ca_file = certs.ca_cert.string();
  check_buckets(sc::fetch_aggregates(o, *id, "1h", since, until), expected_1h());
  o.url = "wss://localhost:" + port;
  check_buckets(sc::fetch_aggregates(o, *id, "1h", since, until), expected_1h());

  // The right CA but the wrong name: refused, with the reason.
  sc::history_options by_ip = o;
  by_ip.url = "https://127.0.0.1:" + port;
  const auto wrong_host = error_of([&] { sc::fetch_aggregates(by_ip, *id); });
  CHECK(wrong_host.kind() == sc::error_kind::connect_failed);
  CHECK(std::string(wrong_host.what()).find("not for host '127.0.0.1'") != std::string::npos);

  // The system's CAs do not know the throwaway CA.
  sc::history_options system_cas = o;
  system_cas.tls_ca_file.clear();
  CHECK(error_of([&] { sc::fetch_aggregates(system_cas, *id); }).kind() ==
        sc::error_kind::connect_failed);

  // No verification (testing only): the same answer.
  by_ip.tls_verify_peer = false;
  by_ip.tls_ca_file.clear();
  check_buckets(sc::fetch_aggregates(by_ip, *id, "1h", since, until), expected_1h());

  // Plain HTTP to the TLS port: the daemon answers 400 and closes.
  sc::history_options plain_http = options_for("http://localhost:" + port);
  plain_http.timeout = std::chrono::seconds(20);
  const auto plain = error_of([&] { sc::fetch_aggregates(plain_http, *id); });
  INFO(plain.what());
  CHECK(plain.http_status() == 400);  // the daemon's plain-HTTP-on-TLS-port answer

  CHECK_THROWS_AS(
      [&] {
        sc::history_options missing = o;
        missing.tls_ca_file = (dir.path() / "missing.pem").string();
        sc::fetch_aggregates(missing, *id);
      }(),
      std::invalid_argument);
  CHECK(d.sanitizer_report().empty());
}

TEST_CASE("sensorhub-cli history prints one JSON line per bucket") {
  daemon_process d;
  const auto h = d.http();
  const std::int64_t id = create_sensor(h);
  for (const auto& r : readings) post_created(h, "/api/v1/lecturas/", reading_body(id, r));
  const std::string cli = SENSORHUB_CLI_PATH;

  const command_result ok =
      run_command({cli, "history", "--url", url_of(d), "--sensor", std::to_string(id), "--bucket",
                   "1h", "--since", since, "--until", until},
                  std::chrono::seconds(60));
  INFO(ok.output);
  REQUIRE(WIFEXITED(ok.status));
  CHECK(WEXITSTATUS(ok.status) == 0);
  std::vector<std::string> lines;
  std::istringstream in(ok.output);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  const auto want = expected_1h();
  REQUIRE(lines.size() == want.size());
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const json_doc j = json_doc::parse(lines[i]);
    CHECK(j["bucket_start"].str() == want[i].bucket_start);
    CHECK(j["count"].i64() == want[i].count);
    CHECK(j["avg"].num().value_or(-1e300) == doctest::Approx(want[i].avg));
    CHECK(j["first"].num().value_or(-1e300) == doctest::Approx(want[i].first));
    CHECK(j["last"].num().value_or(-1e300) == doctest::Approx(want[i].last));
  }

  const command_result missing =
      run_command({cli, "history", "--url", url_of(d), "--sensor", std::to_string(id + 1000)},
                  std::chrono::seconds(60));
  REQUIRE(WIFEXITED(missing.status));
  CHECK(WEXITSTATUS(missing.status) == 1);
  CHECK(missing.output.find("404") != std::string::npos);

  const command_result usage =
      run_command({cli, "history", "--url", url_of(d), "--sensor", "1", "--bucket", "2h"});
  REQUIRE(WIFEXITED(usage.status));
  CHECK(WEXITSTATUS(usage.status) == 2);
}

TEST_CASE("fetch_aggregates gives up after its timeout on a server that never answers") {
  // A listening socket that accepts (the kernel's backlog) and says nothing.
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::listen(fd, 8) == 0);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
  const std::string url = "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));

  sc::history_options o = options_for(url);
  o.timeout = std::chrono::milliseconds(300);
  const auto started = std::chrono::steady_clock::now();
  const auto e = error_of([&] { sc::fetch_aggregates(o, 1); });
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(e.kind() == sc::error_kind::connect_failed);
  CHECK(std::string(e.what()).find("within 300 ms") != std::string::npos);
  CHECK(took >= std::chrono::milliseconds(300));
  CHECK(took < std::chrono::seconds(60));
  // The same over TLS: the handshake never completes.
  o.url = "https://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  CHECK(error_of([&] { sc::fetch_aggregates(o, 1); }).kind() == sc::error_kind::connect_failed);
  ::close(fd);
}

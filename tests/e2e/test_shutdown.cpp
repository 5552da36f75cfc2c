// SPDX-License-Identifier: MIT
// End-to-end: SIGTERM/SIGINT graceful shutdown, restart on the same database,
// and a small kill -9 durability check.

#include <sys/wait.h>

#include <atomic>
#include <csignal>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e_test_util.hpp"
#include "ws_checks.hpp"

using namespace sensorhub::e2e;

namespace {

bool exited_zero(const std::optional<int>& status) {
  return status && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

std::int64_t last_seq(const daemon_process& d) {
  return d.http().get("/api/v1/ws/stats").json()["last_seq"].i64().value_or(-1);
}

std::int64_t next_seq(ws_client& c) {
  auto m = c.recv_json();
  REQUIRE(m.has_value());
  REQUIRE((*m)["type"].str() == "entity_event");
  return (*m)["seq"].i64().value_or(-1);
}

void graceful_stop_test(int sig) {
  daemon_process d;
  ws_client general = open_ws(d, "");  // default channel: general
  ws_client sensors = open_ws(d, "?channel=sensors");
  ws_client both = open_ws(d, "?channel=sensors,general");
  const std::int64_t seq_before = last_seq(d);

  d.signal(sig);

  for (ws_client* c : {&general, &both}) {
    auto m = c->recv_json(std::chrono::seconds(10));
    REQUIRE(m.has_value());
    INFO(m->text());
    CHECK(m->root().keys() == std::set<std::string>{"type", "event", "seq", "data", "timestamp"});
    CHECK((*m)["type"].str() == "system_event");
    CHECK((*m)["event"].str() == "server_stopping");
    CHECK((*m)["seq"].i64() > seq_before);
    CHECK((*m)["data"].is_object());
    CHECK(is_server_time((*m)["timestamp"].str()));
    const auto closed = c->wait_close(std::chrono::seconds(10));
    REQUIRE(closed.has_value());
    CHECK(closed->close_code == 1001);
  }
  std::vector<std::string> skipped;
  const auto closed = sensors.wait_close(std::chrono::seconds(10), &skipped);
  REQUIRE(closed.has_value());
  CHECK(closed->close_code == 1001);
  CHECK(skipped.empty());  // server_stopping goes to general only

  const auto status = d.wait_exit(std::chrono::seconds(10));
  INFO((status ? describe_status(*status) : std::string("still running")) << "\n" << d.log_text());
  CHECK(exited_zero(status));
  CHECK(d.sanitizer_report() == "");
}

}  // namespace

TEST_CASE("SIGTERM: server_stopping on general close 1001 exit 0") { graceful_stop_test(SIGTERM); }

TEST_CASE("SIGINT: server_stopping on general close 1001 exit 0") { graceful_stop_test(SIGINT); }

TEST_CASE("SIGTERM with half-open connections and handshakes in flight still exits 0") {
  daemon_process d;
  // Idle TCP connection, half a WebSocket handshake, half an HTTP body.
  tcp_socket idle = tcp_socket::connect(d.host(), d.port());
  tcp_socket half_ws = tcp_socket::connect(d.host(), d.port());
  half_ws.send_all("GET /api/v1/ws?channel=sensors HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n");
  tcp_socket half_body = tcp_socket::connect(d.host(), d.port());
  half_body.send_all(
      "POST /api/v1/sensores/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: 50\r\n\r\n{\"tipo\":");
  ws_client open = open_ws(d, "?channel=readings");
  // A client that does not answer the close handshake.
  ws_client mute;
  REQUIRE(mute.connect(d.host(), d.port(), "/api/v1/ws").upgraded);

  d.terminate();
  const auto status = d.wait_exit(std::chrono::seconds(15));
  INFO((status ? describe_status(*status) : std::string("still running")) << "\n" << d.log_text());
  CHECK(exited_zero(status));
  const auto closed = open.wait_close(std::chrono::seconds(5));
  CHECK((closed.has_value() || open.eof()));
}

TEST_CASE("writes in flight during SIGTERM are finished or refused never lost") {
  daemon_process d;
  const auto h = d.http();
  const auto sid = create_sensor(h);
  std::mutex mu;
  std::set<std::int64_t> acked;
  std::vector<std::string> bad;
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&] {
      while (!stop) {
        try {
          const http_response r = h.post("/api/v1/lecturas/",
                                         "{\"sensor_id\":" + std::to_string(sid) + ",\"valor\":1}");
          std::lock_guard<std::mutex> lock(mu);
          if (r.status == 201) {
            acked.insert(r.json()["id"].i64().value_or(-1));
          } else if (!error_mismatch(r, 503, "unavailable").empty()) {
            bad.push_back(std::to_string(r.status) + " " + r.body);
          }
        } catch (const std::exception&) {
          // refused / closed while stopping: the write was not acknowledged
          std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
      }
    });
  }
  REQUIRE(wait_until([&] {
    std::lock_guard<std::mutex> lock(mu);
    return acked.size() >= 20;
  }));
  d.terminate();
  const auto status = d.wait_exit(std::chrono::seconds(15));
  stop = true;
  for (auto& t : writers) t.join();
  CHECK(exited_zero(status));
  INFO("first unexpected answer: " << (bad.empty() ? std::string() : bad.front()));
  CHECK(bad.empty());

  d.restart();
  const auto h2 = d.http();
  std::size_t missing = 0;
  for (const auto id : acked) {
    if (h2.get("/api/v1/lecturas/" + std::to_string(id)).status != 200) ++missing;
  }
  CHECK(missing == 0);
}

TEST_CASE("restart on the same database keeps data and continues seq") {
  daemon_process d;
  const auto h = d.http();
  ws_client c = open_ws(d, "?channel=sensors");
  const auto sid = create_sensor(h, "temperatura", "persisted");
  const auto seq1 = next_seq(c);
  d.terminate();
  REQUIRE(exited_zero(d.wait_exit(std::chrono::seconds(10))));
  d.restart();
  const auto h2 = d.http();
  const http_response g = h2.get("/api/v1/sensores/" + std::to_string(sid));
  CHECK(g.status == 200);
  CHECK(g.json()["modelo"].str() == "persisted");
  // server_stopping and server_started are events too: last_seq moved past seq1.
  CHECK(last_seq(d) > seq1);
  ws_client c2 = open_ws(d, "?channel=sensors");
  const auto sid2 = create_sensor(h2);
  CHECK(sid2 > sid);
  CHECK(next_seq(c2) > seq1);
}

TEST_CASE("kill -9: every acknowledged write survives and seq continues") {
  daemon_process d;
  const auto h = d.http();
  ws_client c = open_ws(d, "?channel=sensors,readings");
  std::vector<std::int64_t> sensors;
  std::vector<std::int64_t> readings;
  std::int64_t max_seq = 0;
  for (int i = 0; i < 5; ++i) {
    sensors.push_back(create_sensor(h));
    max_seq = std::max(max_seq, next_seq(c));
    for (int k = 0; k < 4; ++k) {
      readings.push_back(create_reading(h, sensors.back(), k));
      max_seq = std::max(max_seq, next_seq(c));
    }
  }
  REQUIRE(h.del("/api/v1/sensores/" + std::to_string(sensors.front())).status == 204);
  max_seq = std::max(max_seq, next_seq(c));
  d.kill9();
  d.restart();
  const auto h2 = d.http();
  CHECK(h2.get("/api/v1/sensores/" + std::to_string(sensors.front())).status == 404);
  for (std::size_t i = 1; i < sensors.size(); ++i) {
    CHECK(h2.get("/api/v1/sensores/" + std::to_string(sensors[i])).status == 200);
  }
  for (std::size_t i = 4; i < readings.size(); ++i) {
    CHECK(h2.get("/api/v1/lecturas/" + std::to_string(readings[i])).status == 200);
  }
  CHECK(h2.get("/api/v1/lecturas/?limit=1000").json().root().size() == readings.size() - 4);
  CHECK(last_seq(d) >= max_seq);
  ws_client c2 = open_ws(d, "?channel=sensors");
  create_sensor(h2);
  CHECK(next_seq(c2) > max_seq);
}

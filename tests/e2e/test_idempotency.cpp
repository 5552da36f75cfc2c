// SPDX-License-Identifier: MIT
// End-to-end: Idempotency-Key on POST (SPEC §13) against the real daemon.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "e2e_test_util.hpp"

using namespace sensorhub::e2e;

namespace {

http_response post_keyed(const http_client& h, const std::string& path, const std::string& body,
                         const std::string& key, const std::string& bearer = "") {
  header_list headers{{"Idempotency-Key", key}};
  if (!bearer.empty()) headers.emplace_back("Authorization", "Bearer " + bearer);
  return h.request("POST", path, body, headers);
}

std::size_t count_events(const http_client& h, const std::string& entity_type) {
  const json_doc all = h.get("/api/v1/events?since=0&limit=1000").json();
  REQUIRE(all.root().is_array());
  std::size_t n = 0;
  for (std::size_t i = 0; i < all.root().size(); ++i) {
    if (all.at(i)["entity_type"].str() == entity_type) ++n;
  }
  return n;
}

std::size_t count_readings(const http_client& h, std::int64_t sensor) {
  const json_doc list =
      h.get("/api/v1/sensores/" + std::to_string(sensor) + "/lecturas?limit=1000").json();
  REQUIRE(list.root().is_array());
  return list.root().size();
}

}  // namespace

TEST_CASE("a retried batch with its key writes once, emits once, and replays the first answer") {
  daemon_process d;
  const auto h = d.http();
  const std::int64_t sid = create_sensor(h);
  ws_client live = open_ws(d, "?channel=readings");
  const std::string batch = "[{\"sensor_id\":" + std::to_string(sid) +
                            ",\"valor\":1.5},{\"sensor_id\":" + std::to_string(sid) +
                            ",\"valor\":2.5}]";
  const http_response first = post_keyed(h, "/api/v1/lecturas/batch", batch, "batch-7f3a");
  REQUIRE(first.status == 201);
  // The device timed out and sends the same request again, twice.
  for (int i = 0; i < 2; ++i) {
    const http_response again = post_keyed(h, "/api/v1/lecturas/batch", batch, "batch-7f3a");
    CHECK(again.status == 201);
    CHECK(again.body == first.body);
  }
  CHECK(count_readings(h, sid) == 2);
  CHECK(count_events(h, "lectura") == 2);
  const std::vector<std::string> seen = drain_until_pong(live);
  std::size_t created = 0;
  for (const auto& text : seen) created += text.find("\"entity_event\"") != std::string::npos;
  CHECK(created == 2);

  // The same key with another body is 422; the stored answer stays.
  const http_response other =
      post_keyed(h, "/api/v1/lecturas/batch",
                 "[{\"sensor_id\":" + std::to_string(sid) + ",\"valor\":9}]", "batch-7f3a");
  CHECK(error_mismatch(other, 422, "validation_failed", "idempotency_key") == "");
  CHECK(post_keyed(h, "/api/v1/lecturas/batch", batch, "batch-7f3a").body == first.body);
  // Another key, or the same key from another token, is another request.
  CHECK(post_keyed(h, "/api/v1/lecturas/batch", batch, "batch-7f3b").status == 201);
  CHECK(post_keyed(h, "/api/v1/lecturas/batch", batch, "batch-7f3a", "some-token").status == 201);
  CHECK(count_readings(h, sid) == 6);
  CHECK(healthy(d));
}

TEST_CASE("keys work on single creates and test routes, survive a restart, and bad keys are 422") {
  daemon_process d;
  const auto h = d.http();
  const std::string sensor = R"({"tipo":"temperatura","modelo":"DHT22"})";
  const http_response s1 = post_keyed(h, "/api/v1/sensores/", sensor, "s-1");
  REQUIRE(s1.status == 201);
  CHECK(post_keyed(h, "/api/v1/sensores/", sensor, "s-1").body == s1.body);
  // The key names one request: the same body to another path is 422.
  CHECK(error_mismatch(post_keyed(h, "/api/v1/test-sensors/", sensor, "s-1"), 422,
                       "validation_failed", "idempotency_key") == "");
  const http_response t1 = post_keyed(h, "/api/v1/test-sensors/", sensor, "t-1");
  REQUIRE(t1.status == 201);
  CHECK(post_keyed(h, "/api/v1/test-sensors/", sensor, "t-1").body == t1.body);
  const std::int64_t sid = s1.json()["id"].i64().value_or(0);
  const std::string reading = "{\"sensor_id\":" + std::to_string(sid) + ",\"valor\":3}";
  const http_response r1 = post_keyed(h, "/api/v1/lecturas/", reading, "r-1");
  REQUIRE(r1.status == 201);

  d.terminate();
  REQUIRE(d.wait_exit(std::chrono::seconds(30)).has_value());
  d.restart();
  const auto h2 = d.http();
  CHECK(post_keyed(h2, "/api/v1/lecturas/", reading, "r-1").body == r1.body);
  CHECK(count_readings(h2, sid) == 1);
  CHECK(count_events(h2, "sensor") == 2);

  for (const std::string& bad :
       {std::string(129, 'k'), std::string("has space"), std::string("tab\there")}) {
    INFO(bad);
    CHECK(error_mismatch(post_keyed(h2, "/api/v1/lecturas/", reading, bad), 422,
                         "validation_failed", "idempotency_key") == "");
  }
  CHECK(post_keyed(h2, "/api/v1/lecturas/", reading, std::string(128, 'k')).status == 201);
  CHECK(count_readings(h2, sid) == 2);
}

TEST_CASE("a keyed test event is published once and its answer replayed") {
  daemon_process d;
  const auto h = d.http();
  ws_client live = open_ws(d, "?channel=sensors");
  const std::string body = R"({"channel":"sensors","message":"ping","data":{"n":1}})";
  const http_response first = post_keyed(h, "/api/v1/ws/test-event", body, "te-1");
  REQUIRE(first.status == 200);
  CHECK(first.body == R"({"delivered_to":1})");
  // A retry gets the first answer and publishes nothing, even with another
  // subscriber listening now.
  ws_client second = open_ws(d, "?channel=sensors");
  const http_response again = post_keyed(h, "/api/v1/ws/test-event", body, "te-1");
  CHECK(again.status == 200);
  CHECK(again.body == first.body);
  CHECK(error_mismatch(post_keyed(h, "/api/v1/ws/test-event",
                                  R"({"channel":"sensors","message":"other"})", "te-1"),
                       422, "validation_failed", "idempotency_key") == "");
  std::size_t tests = 0;
  for (const auto& text : drain_until_pong(live))
    tests += text.find("\"test_event\"") != std::string::npos;
  CHECK(tests == 1);
  for (const auto& text : drain_until_pong(second))
    CHECK(text.find("\"test_event\"") == std::string::npos);
  // Without a key, every POST publishes.
  CHECK(h.post("/api/v1/ws/test-event", body).body == R"({"delivered_to":2})");
}

TEST_CASE("concurrent duplicates with one key make one write") {
  daemon_process d;
  const auto h = d.http();
  const std::int64_t sid = create_sensor(h);
  const std::string reading = "{\"sensor_id\":" + std::to_string(sid) + ",\"valor\":7.25}";
  constexpr int clients = 8;
  std::vector<http_response> answers(clients);
  std::vector<std::thread> threads;
  std::atomic<int> ready{0};
  for (int i = 0; i < clients; ++i) {
    threads.emplace_back([&, i] {
      ++ready;
      while (ready.load() < clients) std::this_thread::yield();
      answers[static_cast<std::size_t>(i)] =
          post_keyed(d.http(), "/api/v1/lecturas/", reading, "dup-1");
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& a : answers) {
    CHECK(a.status == 201);
    CHECK(a.body == answers[0].body);
  }
  CHECK(count_readings(h, sid) == 1);
  CHECK(count_events(h, "lectura") == 1);
  CHECK(healthy(d));
}

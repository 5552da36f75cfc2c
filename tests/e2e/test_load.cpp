// SPDX-License-Identifier: MIT
// End-to-end load: 20 subscribers x 300 events from 4 REST writer threads.
// Every subscriber must receive every event exactly once, in seq order.

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e_test_util.hpp"

using namespace sensorhub::e2e;

namespace {

struct received {
  std::vector<std::int64_t> seqs;
  std::vector<std::pair<std::string, std::int64_t>> entities;  // (entity_type, id)
  std::string problem;
};

}  // namespace

TEST_CASE("20 subscribers x 300 events from 4 writers: all delivered once in seq order") {
  constexpr int subscribers = 20;
  constexpr int writers = 4;
  constexpr int events_per_writer = 75;  // 1 sensor + 74 readings
  constexpr int total_events = writers * events_per_writer;

  daemon_process d;
  const auto h = d.http();

  std::vector<ws_client> clients;
  for (int i = 0; i < subscribers; ++i) clients.push_back(open_ws(d, "?channel=sensors,readings"));

  std::vector<received> got(subscribers);
  std::vector<std::thread> readers;
  for (int i = 0; i < subscribers; ++i) {
    readers.emplace_back([&, i] {
      received& r = got[static_cast<std::size_t>(i)];
      try {
        while (static_cast<int>(r.seqs.size()) < total_events) {
          auto m = clients[static_cast<std::size_t>(i)].recv_json(std::chrono::seconds(30));
          if (!m) {
            r.problem = "timeout/close after " + std::to_string(r.seqs.size()) + " events";
            return;
          }
          if (!m->ok() || (*m)["type"].str() != "entity_event") {
            r.problem = "unexpected message: " + m->text();
            return;
          }
          r.seqs.push_back((*m)["seq"].i64().value_or(-1));
          r.entities.emplace_back((*m)["entity_type"].str(), (*m)["entity_id"].i64().value_or(-1));
        }
      } catch (const std::exception& e) {
        r.problem = e.what();
      }
    });
  }

  std::mutex mu;
  std::set<std::pair<std::string, std::int64_t>> written;
  std::vector<std::string> write_errors;
  std::vector<std::thread> writer_threads;
  for (int w = 0; w < writers; ++w) {
    writer_threads.emplace_back([&, w] {
      try {
        const http_response s = h.post(
            "/api/v1/sensores/", "{\"tipo\":\"load\",\"modelo\":\"W" + std::to_string(w) + "\"}");
        const auto sid = s.json()["id"].i64();
        if (s.status != 201 || !sid) {
          std::lock_guard<std::mutex> lock(mu);
          write_errors.push_back("sensor: " + std::to_string(s.status) + " " + s.body);
          return;
        }
        {
          std::lock_guard<std::mutex> lock(mu);
          written.emplace("sensor", *sid);
        }
        for (int i = 1; i < events_per_writer; ++i) {
          const http_response r =
              h.post("/api/v1/lecturas/", "{\"sensor_id\":" + std::to_string(*sid) +
                                              ",\"valor\":" + std::to_string(i) + "}");
          const auto rid = r.json()["id"].i64();
          std::lock_guard<std::mutex> lock(mu);
          if (r.status != 201 || !rid) {
            write_errors.push_back("reading: " + std::to_string(r.status) + " " + r.body);
          } else {
            written.emplace("lectura", *rid);
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lock(mu);
        write_errors.push_back(e.what());
      }
    });
  }
  for (auto& t : writer_threads) t.join();
  for (auto& t : readers) t.join();

  CHECK(write_errors.empty());
  if (!write_errors.empty()) MESSAGE("first write error: " << write_errors.front());
  REQUIRE(written.size() == static_cast<std::size_t>(total_events));

  const std::vector<std::int64_t>& reference = got[0].seqs;
  for (int i = 0; i < subscribers; ++i) {
    const received& r = got[static_cast<std::size_t>(i)];
    INFO("subscriber " << i << ": " << r.problem);
    CHECK(r.problem.empty());
    CHECK(r.seqs.size() == static_cast<std::size_t>(total_events));
    bool ascending = true;
    for (std::size_t k = 1; k < r.seqs.size(); ++k)
      ascending = ascending && r.seqs[k] > r.seqs[k - 1];
    CHECK(ascending);
    const std::set<std::pair<std::string, std::int64_t>> seen(r.entities.begin(), r.entities.end());
    CHECK(seen.size() == r.entities.size());  // no duplicates
    CHECK(seen == written);
    CHECK(r.seqs == reference);  // everyone saw the same sequence
  }
  // Nothing more is queued for anyone.
  for (auto& c : clients) CHECK(drain_until_pong(c).empty());
  CHECK(healthy(d));
}

TEST_CASE("200 subscribers each receive an event once") {
  daemon_process d;
  std::vector<ws_client> clients;
  for (int i = 0; i < 200; ++i) clients.push_back(open_ws(d, "?channel=sensors"));
  CHECK(d.http().get("/api/v1/ws/stats").json()["total_connections"].i64() == 200);
  const auto sid = create_sensor(d.http());
  std::size_t wrong = 0;
  for (auto& c : clients) {
    auto m = c.recv_json();
    if (!m || (*m)["entity_id"].i64() != sid) ++wrong;
  }
  CHECK(wrong == 0);
  for (std::size_t i = 0; i < clients.size(); i += 20) CHECK(drain_until_pong(clients[i]).empty());
  CHECK(healthy(d));
}

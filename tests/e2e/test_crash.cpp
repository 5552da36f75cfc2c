// SPDX-License-Identifier: MIT
// End-to-end durability: N rounds (env SENSORHUB_KILL_ROUNDS, default 20) of
// writers hammering the REST API while the daemon is killed with SIGKILL at a
// random moment, then restarted on the same database. After each restart:
// every acknowledged write is there, no row lacks its created event and no
// event lacks its row (when /api/v1/events is served), seq never goes back or
// is reused, and SQLite's integrity_check says ok.

#include <sqlite3.h>

#include <atomic>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e_test_util.hpp"

using namespace sensorhub::e2e;

namespace {

struct sensor_state {
  bool delete_attempted = false;
  bool delete_acked = false;
};

struct reading_state {
  std::int64_t sensor_id = 0;
};

struct model {
  std::mutex mu;
  std::map<std::int64_t, sensor_state> sensors;    // create acknowledged
  std::map<std::int64_t, reading_state> readings;  // create acknowledged
};

int rounds_from_env() {
  const char* v = std::getenv("SENSORHUB_KILL_ROUNDS");
  if (v == nullptr || *v == '\0') return 20;
  const int n = std::atoi(v);
  return n > 0 ? n : 20;
}

// Every element of a paginated list endpoint, by id.
std::map<std::int64_t, std::string> list_all(const http_client& h, const std::string& path) {
  std::map<std::int64_t, std::string> out;
  for (int offset = 0;; offset += 1000) {
    const http_response r = h.get(path + "?limit=1000&offset=" + std::to_string(offset));
    REQUIRE(r.status == 200);
    const json_doc j = r.json();
    REQUIRE(j.root().is_array());
    for (std::size_t i = 0; i < j.root().size(); ++i) {
      out[j.at(i)["id"].i64().value_or(-1)] = j.at(i).dump();
    }
    if (j.root().size() < 1000) return out;
  }
}

std::string integrity_check(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    const std::string msg = db ? sqlite3_errmsg(db) : "open failed";
    sqlite3_close(db);
    return msg;
  }
  sqlite3_busy_timeout(db, 10000);
  std::string result;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK) {
    while (sqlite3_step(st) == SQLITE_ROW) {
      const unsigned char* t = sqlite3_column_text(st, 0);
      result += t ? reinterpret_cast<const char*>(t) : "";
    }
  } else {
    result = sqlite3_errmsg(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return result;
}

void writer(const http_client& h, model& m, const std::atomic<bool>& stop) {
  int iteration = 0;
  while (!stop) {
    try {
      const http_response s = h.post("/api/v1/sensores/", R"({"tipo":"crash","modelo":"k"})");
      const auto sid = s.json()["id"].i64();
      if (s.status != 201 || !sid) continue;
      {
        std::lock_guard<std::mutex> lock(m.mu);
        m.sensors[*sid];
      }
      for (int k = 0; k < 3 && !stop; ++k) {
        const http_response r =
            h.post("/api/v1/lecturas/", "{\"sensor_id\":" + std::to_string(*sid) +
                                            ",\"valor\":" + std::to_string(k) + "}");
        const auto rid = r.json()["id"].i64();
        if (r.status == 201 && rid) {
          std::lock_guard<std::mutex> lock(m.mu);
          m.readings[*rid].sensor_id = *sid;
        }
      }
      if (++iteration % 4 == 0 && !stop) {
        {
          std::lock_guard<std::mutex> lock(m.mu);
          m.sensors[*sid].delete_attempted = true;
        }
        const http_response del = h.del("/api/v1/sensores/" + std::to_string(*sid));
        if (del.status == 204) {
          std::lock_guard<std::mutex> lock(m.mu);
          m.sensors[*sid].delete_acked = true;
        }
      }
    } catch (const std::exception&) {
      // connection refused/reset around the kill: nothing acknowledged
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
}

}  // namespace

TEST_CASE("kill -9 rounds: acknowledged writes events and seq survive - integrity ok") {
  const int rounds = rounds_from_env();
  const unsigned seed = std::random_device{}();
  MESSAGE("rounds " << rounds << ", seed " << seed);
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> delay_ms(50, 800);

  daemon_process d;
  const bool have_events = d.http().get("/api/v1/events?since=0").status != 404;
  if (!have_events) MESSAGE("GET /api/v1/events is 404: event checks skipped");
  model m;
  std::map<std::int64_t, std::string> previous_events;  // seq -> event JSON

  for (int round = 0; round < rounds; ++round) {
    CAPTURE(round);
    const http_client h = d.http();
    std::atomic<bool> stop{false};
    std::vector<std::thread> writers;
    for (int w = 0; w < 4; ++w)
      writers.emplace_back(writer, std::cref(h), std::ref(m), std::cref(stop));
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms(rng)));
    d.kill9();
    stop = true;
    CHECK(d.sanitizer_report() == "");
    for (auto& t : writers) t.join();

    d.restart();
    const http_client h2 = d.http();
    REQUIRE(healthy(d));
    const std::string integrity = integrity_check(d.db_path().string());
    CHECK(integrity == "ok");

    const auto sensors = list_all(h2, "/api/v1/sensores/");
    const auto readings = list_all(h2, "/api/v1/lecturas/");
    std::lock_guard<std::mutex> lock(m.mu);
    std::size_t lost_sensors = 0, lost_readings = 0, undeleted = 0, orphans = 0;
    for (const auto& [id, st] : m.sensors) {
      const bool exists = sensors.count(id) != 0;
      if (!st.delete_attempted && !exists) ++lost_sensors;
      if (st.delete_acked && exists) ++undeleted;
    }
    for (const auto& [id, st] : m.readings) {
      const sensor_state& s = m.sensors[st.sensor_id];
      const bool exists = readings.count(id) != 0;
      if (!s.delete_attempted && !exists) ++lost_readings;
      if (s.delete_acked && exists) ++undeleted;
    }
    for (const auto& [id, text] : readings) {
      const json_doc r = json_doc::parse(text);
      if (sensors.count(r["sensor_id"].i64().value_or(-1)) == 0) ++orphans;
    }
    CHECK(lost_sensors == 0);
    CHECK(lost_readings == 0);
    CHECK(undeleted == 0);
    CHECK(orphans == 0);

    if (have_events) {
      std::map<std::int64_t, std::string> all;
      std::int64_t since = 0;
      bool ascending = true;
      for (;;) {
        const http_response r =
            h2.get("/api/v1/events?since=" + std::to_string(since) + "&limit=1000");
        REQUIRE(r.status == 200);
        const json_doc j = r.json();
        REQUIRE(j.root().is_array());
        for (std::size_t i = 0; i < j.root().size(); ++i) {
          const auto seq = j.at(i)["seq"].i64().value_or(-1);
          ascending = ascending && seq > since;
          since = seq;
          all[seq] = j.at(i).dump();
        }
        if (j.root().size() < 1000) break;
      }
      CHECK(ascending);
      std::size_t changed = 0;
      for (const auto& [seq, text] : previous_events) {
        const auto it = all.find(seq);
        if (it == all.end() || it->second != text) ++changed;
      }
      CHECK(changed == 0);  // no seq reused or rewritten after a crash

      std::map<std::pair<std::string, std::int64_t>, int> created, deleted;
      std::map<std::int64_t, std::int64_t> reading_sensor;
      for (const auto& [seq, text] : all) {
        const json_doc e = json_doc::parse(text);
        if (e["type"].str() != "entity_event") continue;
        const auto key = std::make_pair(e["entity_type"].str(), e["entity_id"].i64().value_or(-1));
        if (e["event_type"].str() == "created") ++created[key];
        if (e["event_type"].str() == "deleted") ++deleted[key];
        if (key.first == "lectura")
          reading_sensor[key.second] = e["data"]["sensor_id"].i64().value_or(-1);
      }
      std::size_t rows_without_event = 0, events_without_row = 0, duplicate_created = 0,
                  deleted_but_present = 0;
      for (const auto& [id, text] : sensors) {
        if (created[{"sensor", id}] != 1) ++rows_without_event;
        if (deleted.count({"sensor", id}) != 0) ++deleted_but_present;
      }
      for (const auto& [id, text] : readings) {
        if (created[{"lectura", id}] != 1) ++rows_without_event;
        if (deleted.count({"lectura", id}) != 0) ++deleted_but_present;
      }
      for (const auto& [key, n] : created) {
        if (n > 1) ++duplicate_created;
        if (deleted.count(key) != 0) continue;
        if (key.first == "sensor") {
          if (sensors.count(key.second) == 0) ++events_without_row;
        } else if (deleted.count({"sensor", reading_sensor[key.second]}) == 0 &&
                   readings.count(key.second) == 0) {
          ++events_without_row;
        }
      }
      CHECK(rows_without_event == 0);
      CHECK(events_without_row == 0);
      CHECK(duplicate_created == 0);
      CHECK(deleted_but_present == 0);
      previous_events = std::move(all);
    }
  }
  MESSAGE("acknowledged: " << m.sensors.size() << " sensors, " << m.readings.size() << " readings");
  CHECK(!m.readings.empty());
}

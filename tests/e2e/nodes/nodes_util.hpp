// SPDX-License-Identifier: MIT
#pragma once

// Helpers for the SPEC §12 node tests: a throwaway PostgreSQL cluster, nodes
// (real sensorhubd processes on one database), followers (WebSocket
// subscribers that fail over to another node with since=<last seq>),
// retrying writers, and the final accounting against the event history.

#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "../e2e_test_util.hpp"
#include "support/child_process.hpp"
#include "support/pg_test_db.hpp"

namespace sensorhub::e2e::nodes {

using namespace std::chrono_literals;

// Every channel that carries persisted events: a subscriber of all three
// sees every seq.
inline constexpr const char all_channels[] = "channel=sensors,readings,general";

// A PostgreSQL 15 cluster of our own (scripts/pg-cluster.sh), for the tests
// that restart the database server: the shared fixture cluster (or the
// server of $SENSORHUB_TEST_PG_URI) cannot be restarted under other tests.
// Without the server binaries the process exits with pg_test_skip_code
// (ctest: skipped). Not thread-safe.
class pg_cluster {
 public:
  pg_cluster() {
    if (!pg_server_binaries_available()) {
      std::cerr << "SKIPPED (exit " << pg_test_skip_code
                << "): no PostgreSQL server binaries to run a cluster of our own" << std::endl;
      std::exit(pg_test_skip_code);
    }
    static std::atomic<int> serial{0};
    dir_ = "/tmp/sensorhub-pgnodes-" + std::to_string(::getpid()) + "-" +
           std::to_string(serial.fetch_add(1));
    const command_result r = run_command({"/bin/sh", script(), "start", dir_}, 180s);
    INFO("pg-cluster.sh start: " << r.output);
    REQUIRE(r.status == 0);
    uri_ = read_text_file(dir_ + "/uri");
    while (!uri_.empty() && (uri_.back() == '\n' || uri_.back() == '\r')) uri_.pop_back();
    REQUIRE(uri_.rfind("postgresql://", 0) == 0);
  }
  ~pg_cluster() { run_command({"/bin/sh", script(), "stop", dir_}, 120s); }
  pg_cluster(const pg_cluster&) = delete;
  pg_cluster& operator=(const pg_cluster&) = delete;

  const std::string& uri() const noexcept { return uri_; }
  // A fast stop and start on the same port: every connection drops.
  // True when the server came back.
  bool restart() {
    const command_result r = run_command({"/bin/sh", script(), "restart", dir_}, 180s);
    if (r.status != 0) MESSAGE("pg-cluster.sh restart: " << r.output);
    return r.status == 0;
  }

 private:
  static std::string script() {
    return std::string(SENSORHUB_SOURCE_DIR) + "/scripts/pg-cluster.sh";
  }
  std::string dir_;
  std::string uri_;
};

// Starts sensorhubd --node NAME on `uri` (test endpoints, no auth).
inline std::unique_ptr<daemon_process> start_node(const std::string& uri, const std::string& name) {
  daemon_options o;
  o.db = uri;
  o.flags = {"--test-endpoints", "--no-auth", "--node", name};
  o.start_timeout = 120s;
  return std::make_unique<daemon_process>(std::move(o));
}

// GET /readyz answers 200 {"status":"ready"}.
inline bool ready(const http_client& h) {
  try {
    const http_response r = h.get("/readyz");
    return r.status == 200 && r.json()["status"].str() == "ready";
  } catch (const std::exception&) {
    return false;
  }
}

// What identifies an event across nodes and in the history:
// "entity_event sensor created 12" or "system_event server_started A".
inline std::string event_key(jv m) {
  const std::string type = m["type"].str();
  if (type == "entity_event") {
    return type + " " + m["entity_type"].str() + " " + m["event_type"].str() + " " +
           std::to_string(m["entity_id"].i64().value_or(-1));
  }
  return type + " " + m["event"].str() + " " + m["data"]["node"].str();
}

struct seen_event {
  std::int64_t seq = 0;
  std::string key;
};

using node_address = std::pair<std::string, std::uint16_t>;

inline node_address address_of(const daemon_process& d) { return {d.host(), d.port()}; }

// A WebSocket subscriber on its own thread. It connects to nodes[first]
// with `query` (and since=S when since >= 0), records every event that
// carries a seq, and when its connection drops it reconnects to the next
// node of the list with since=<last seq seen> (the first connection's since
// if it saw none), until stop(). Thread-safe accessors.
class follower {
 public:
  follower(std::vector<node_address> nodes, std::size_t first, std::int64_t since,
           std::string query = all_channels)
      : nodes_(std::move(nodes)), next_(first), since_(since), query_(std::move(query)) {
    thread_ = std::thread([this] { run(); });
  }
  ~follower() { stop(); }
  follower(const follower&) = delete;
  follower& operator=(const follower&) = delete;

  // True once the first connection was greeted (connection_established).
  bool wait_connected(std::chrono::milliseconds timeout = 60s) {
    std::unique_lock<std::mutex> lk(m_);
    return cv_.wait_for(lk, timeout, [this] { return connections_ > 0; });
  }
  // True once an event with seq >= target arrived.
  bool wait_seq(std::int64_t target, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lk(m_);
    return cv_.wait_for(lk, timeout, [&] { return last_ >= target; });
  }
  // True once an event with this key arrived.
  bool wait_key(const std::string& key, std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lk(m_);
    return cv_.wait_for(lk, timeout, [&] {
      for (const auto& e : events_)
        if (e.key == key) return true;
      return false;
    });
  }
  void stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  std::vector<seen_event> events() const {
    std::lock_guard<std::mutex> lk(m_);
    return events_;
  }
  std::int64_t last_seq() const {
    std::lock_guard<std::mutex> lk(m_);
    return last_;
  }
  int connections() const {
    std::lock_guard<std::mutex> lk(m_);
    return connections_;
  }
  std::vector<std::string> problems() const {
    std::lock_guard<std::mutex> lk(m_);
    return problems_;
  }

 private:
  void note(const std::string& problem) {
    std::lock_guard<std::mutex> lk(m_);
    if (problems_.size() < 20) problems_.push_back(problem);
  }

  void run() {
    std::int64_t since = since_;
    while (!stop_.load()) {
      const node_address node = nodes_[next_ % nodes_.size()];
      ++next_;
      ws_client c;
      std::string target = "/api/v1/ws?" + query_;
      if (since >= 0) target += "&since=" + std::to_string(since);
      try {
        const ws_handshake hs = c.connect(node.first, node.second, target);
        if (!hs.upgraded) {
          std::this_thread::sleep_for(200ms);
          continue;
        }
      } catch (const std::exception&) {
        std::this_thread::sleep_for(200ms);  // that node is down: try the next
        continue;
      }
      while (!stop_.load()) {
        std::optional<json_doc> m;
        try {
          m = c.recv_json(500ms);
        } catch (const std::exception&) {
          break;  // reset: fail over
        }
        if (!m) {
          if (c.eof() || c.close_received() || !c.socket().is_open()) break;
          continue;  // quiet
        }
        if (!m->ok()) {
          note("not JSON: " + m->text().substr(0, 200));
          continue;
        }
        const std::string type = (*m)["type"].str();
        if (type == "connection_established") {
          std::lock_guard<std::mutex> lk(m_);
          ++connections_;
          cv_.notify_all();
          continue;
        }
        if (type == "resume_failed") note("resume_failed: " + m->text());
        const auto seq = (*m)["seq"].i64();
        if (!seq) continue;  // greetings, stats, test events
        since = *seq;
        std::lock_guard<std::mutex> lk(m_);
        events_.push_back({*seq, event_key(m->root())});
        if (*seq > last_) last_ = *seq;
        cv_.notify_all();
      }
    }
  }

  const std::vector<node_address> nodes_;
  std::size_t next_;
  const std::int64_t since_;
  const std::string query_;
  std::atomic<bool> stop_{false};
  mutable std::mutex m_;
  std::condition_variable cv_;
  std::vector<seen_event> events_;
  std::int64_t last_ = 0;
  int connections_ = 0;
  std::vector<std::string> problems_;
  std::thread thread_;  // last: starts once the members above exist
};

// What the writers got acknowledged (201 with an id), and how often they had
// to try again. Thread-safe.
struct write_log {
  std::mutex m;
  std::vector<std::int64_t> sensors;
  std::vector<std::int64_t> readings;
  std::atomic<int> acked{0};
  std::atomic<int> retries{0};
  std::vector<std::string> failures;  // writes given up on, unexpected answers
};

// One writer: `ops` creates (a sensor first, then two readings per sensor of
// its own, and so on), each sent to node (w + i) % n first; a 5xx or a
// connection error is not an acknowledgement: the same write goes to the
// next node after a short pause, for up to `per_write` per write.
inline void run_writer(std::vector<http_client> nodes, int w, int ops, write_log& log,
                       std::chrono::milliseconds per_write = 180s) {
  std::vector<std::int64_t> mine;
  for (int i = 0; i < ops; ++i) {
    const bool sensor = mine.empty() || i % 3 == 0;
    const std::string path = sensor ? "/api/v1/sensores/" : "/api/v1/lecturas/";
    const std::string body =
        sensor
            ? "{\"tipo\":\"w" + std::to_string(w) + "\",\"modelo\":\"m" + std::to_string(i) + "\"}"
            : "{\"sensor_id\":" + std::to_string(mine[static_cast<std::size_t>(i) % mine.size()]) +
                  ",\"valor\":" + std::to_string(i) + ".5}";
    const auto deadline = std::chrono::steady_clock::now() + per_write;
    std::size_t node = static_cast<std::size_t>(w + i);
    for (;;) {
      std::string why;
      try {
        const http_response r = nodes[node % nodes.size()].post(path, body);
        if (r.status == 201) {
          const auto id = r.json()["id"].i64();
          if (!id) {
            why = "201 without an id: " + r.body;
          } else {
            std::lock_guard<std::mutex> lk(log.m);
            (sensor ? log.sensors : log.readings).push_back(*id);
            if (sensor) mine.push_back(*id);
            log.acked.fetch_add(1);
            break;
          }
        } else if (r.status < 500) {
          std::lock_guard<std::mutex> lk(log.m);
          log.failures.push_back("POST " + path + " " + body + " -> " + std::to_string(r.status) +
                                 " " + r.body.substr(0, 300));
          return;  // a 4xx here is a bug, not an outage
        }
      } catch (const std::exception&) {
        // refused, reset or timed out: not acknowledged
      }
      log.retries.fetch_add(1);
      if (std::chrono::steady_clock::now() > deadline) {
        std::lock_guard<std::mutex> lk(log.m);
        log.failures.push_back("gave up on POST " + path + " " + body + why);
        return;
      }
      ++node;
      std::this_thread::sleep_for(100ms);
    }
  }
}

// The whole event history (GET /api/v1/events, every channel), by seq.
inline std::vector<seen_event> history(const http_client& h) {
  std::vector<seen_event> out;
  std::int64_t since = 0;
  for (;;) {
    const http_response r = h.get("/api/v1/events?since=" + std::to_string(since) + "&limit=1000");
    REQUIRE(r.status == 200);
    const json_doc j = r.json();
    REQUIRE(j.root().is_array());
    for (std::size_t i = 0; i < j.root().size(); ++i) {
      out.push_back({j.at(i)["seq"].i64().value_or(-1), event_key(j.at(i))});
      since = out.back().seq;
    }
    if (j.root().size() < 1000) return out;
  }
}

// "" when `got` is exactly the history after `since` up to the last seq it
// received, and reaches at least `last`: each seq once, ascending by exactly
// 1, the same events. Otherwise what differs first.
inline std::string stream_mismatch(const std::vector<seen_event>& got,
                                   const std::vector<seen_event>& hist, std::int64_t since,
                                   std::int64_t last) {
  if (got.empty()) return "received nothing";
  if (got.back().seq < last) {
    return "stopped at seq " + std::to_string(got.back().seq) + ", history reaches " +
           std::to_string(last);
  }
  std::size_t h = 0;
  while (h < hist.size() && hist[h].seq <= since) ++h;
  for (std::size_t i = 0; i < got.size(); ++i, ++h) {
    const std::int64_t want = since + 1 + static_cast<std::int64_t>(i);
    if (h >= hist.size()) {
      return "received seq " + std::to_string(got[i].seq) + " past the end of the history";
    }
    if (got[i].seq != want || hist[h].seq != want || got[i].key != hist[h].key) {
      return "at index " + std::to_string(i) + ": received seq " + std::to_string(got[i].seq) +
             " '" + got[i].key + "' (previous " +
             (i > 0 ? std::to_string(got[i - 1].seq) : std::string("none")) + "), history seq " +
             std::to_string(hist[h].seq) + " '" + hist[h].key + "', expected seq " +
             std::to_string(want);
    }
  }
  return "";
}

// "" when the history is seq 1, 2, 3, ... with no gap and no duplicate.
inline std::string history_gap(const std::vector<seen_event>& hist) {
  for (std::size_t i = 0; i < hist.size(); ++i) {
    if (hist[i].seq != static_cast<std::int64_t>(i) + 1) {
      return "history position " + std::to_string(i) + " holds seq " + std::to_string(hist[i].seq);
    }
  }
  return "";
}

// Every acknowledged write is readable, and has its created event in `hist`.
inline void check_acknowledged(const std::vector<http_client>& nodes, write_log& log,
                               const std::vector<seen_event>& hist) {
  std::lock_guard<std::mutex> lk(log.m);
  std::map<std::string, int> keys;
  for (const auto& e : hist) ++keys[e.key];
  std::size_t k = 0;
  int missing_rows = 0;
  int missing_events = 0;
  for (const bool sensor : {true, false}) {
    for (const std::int64_t id : sensor ? log.sensors : log.readings) {
      const std::string path =
          (sensor ? "/api/v1/sensores/" : "/api/v1/lecturas/") + std::to_string(id);
      const http_response r = nodes[k++ % nodes.size()].get(path);
      if (r.status != 200 || r.json()["id"].i64() != id) {
        ++missing_rows;
        MESSAGE("acknowledged but not found: GET " << path << " -> " << r.status);
      }
      const std::string key = std::string("entity_event ") + (sensor ? "sensor" : "lectura") +
                              " created " + std::to_string(id);
      if (keys[key] != 1) {
        ++missing_events;
        MESSAGE(key << " appears " << keys[key] << " times in the history");
      }
    }
  }
  CHECK(missing_rows == 0);
  CHECK(missing_events == 0);
}

}  // namespace sensorhub::e2e::nodes

// SPDX-License-Identifier: MIT
// End-to-end: gap-free resume under load and truncated history (SPEC §5),
// against the real daemon.

#include <atomic>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e_test_util.hpp"

using namespace sensorhub::e2e;

namespace {

// Reads entity events until `want` distinct seqs have been seen or the
// connection ends; returns the seqs in arrival order (duplicates kept).
std::vector<std::int64_t> read_seqs(ws_client& c, std::size_t want, std::set<std::int64_t>& seen) {
  std::vector<std::int64_t> order;
  while (seen.size() < want) {
    auto m = c.recv_json(std::chrono::seconds(20));
    if (!m || !m->ok()) break;
    if ((*m)["type"].str() != "entity_event") continue;
    const auto seq = (*m)["seq"].i64().value_or(0);
    order.push_back(seq);
    seen.insert(seq);
  }
  return order;
}

bool strictly_ascending(const std::vector<std::int64_t>& v) {
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (v[i] <= v[i - 1]) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("resume mid-stream under 4 concurrent writers: every event exactly once in order") {
  constexpr int writers = 4;
  constexpr int per_writer = 250;  // 1,000 events
  constexpr std::size_t total = writers * per_writer;
  daemon_process d;

  // A reference subscriber that never disconnects.
  ws_client ref = open_ws(d, "?channel=sensors");
  ws_client c = open_ws(d, "?channel=sensors");

  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&d, &failures, w] {
      const http_client h = d.http();
      for (int i = 0; i < per_writer; ++i) {
        const std::string body =
            "{\"tipo\":\"t" + std::to_string(w) + "\",\"modelo\":\"m" + std::to_string(i) + "\"}";
        if (h.post("/api/v1/sensores/", body).status != 201) failures.fetch_add(1);
      }
    });
  }

  // The resuming client reads a random prefix, vanishes, and comes back.
  std::mt19937 rng(std::random_device{}());
  const std::size_t cut = std::uniform_int_distribution<std::size_t>(1, total - 100)(rng);
  INFO("disconnecting after " << cut << " events");
  std::set<std::int64_t> seen_before;
  const std::vector<std::int64_t> before = read_seqs(c, cut, seen_before);
  REQUIRE(before.size() == cut);
  c.close();  // writers keep going meanwhile
  const std::int64_t last = before.back();

  ws_client r = open_ws(d, "?channel=sensors&since=" + std::to_string(last));
  std::set<std::int64_t> seen_after;
  const std::vector<std::int64_t> after = read_seqs(r, total - cut, seen_after);
  for (auto& t : threads) t.join();
  CHECK(failures.load() == 0);

  std::set<std::int64_t> seen_ref;
  const std::vector<std::int64_t> all = read_seqs(ref, total, seen_ref);
  REQUIRE(all.size() == total);
  CHECK(strictly_ascending(all));

  // before ++ after is exactly the reference stream: no gap, no duplicate.
  std::vector<std::int64_t> joined = before;
  joined.insert(joined.end(), after.begin(), after.end());
  CHECK(strictly_ascending(before));
  CHECK(strictly_ascending(after));
  CHECK(joined.size() == all.size());
  CHECK(joined == all);
  // Nothing more is queued for the resumed client.
  CHECK(drain_until_pong(r).empty());
  CHECK(healthy(d));
}

TEST_CASE("resume from before the retained history: resume_failed first, then the rest") {
  daemon_process d;
  const auto h = d.http();
  for (int i = 0; i < 30; ++i) create_sensor(h);
  const std::int64_t oldest = restart_with_short_history(d);

  ws_client c = open_ws(d, "?channel=sensors&since=1");
  auto first = c.recv_json();
  REQUIRE(first.has_value());
  CHECK((*first)["type"].str() == "resume_failed");
  CHECK((*first)["reason"].str() == "history_truncated");
  const auto reported = (*first)["oldest_seq"].i64().value_or(0);
  CHECK(reported == oldest);

  // Then every retained sensor event, ascending, from the oldest retained on
  // up to the newest: the 30 creates were seqs 2..31 (1 is server_started).
  std::vector<std::int64_t> seqs;
  while (seqs.empty() || seqs.back() < 31) {
    auto m = c.recv_json();
    REQUIRE(m.has_value());
    if ((*m)["type"].str() == "entity_event") seqs.push_back((*m)["seq"].i64().value_or(0));
  }
  CHECK(seqs.front() >= reported);
  CHECK(strictly_ascending(seqs));
  CHECK(seqs.back() == 31);
  // Nothing after the newest one (the pong comes after anything queued).
  CHECK(drain_until_pong(c).empty());

  // A resume inside the retained window gets no resume_failed.
  ws_client ok = open_ws(d, "?channel=sensors&since=" + std::to_string(seqs.back() - 1));
  auto m = ok.recv_json();
  REQUIRE(m.has_value());
  CHECK((*m)["type"].str() == "entity_event");
  CHECK((*m)["seq"].i64() == seqs.back());
}

TEST_CASE("a resume longer than a small backlog limit is paced, never cut by its own replay") {
  // Pages of replayed history stay within an eighth of the backlog limit:
  // with a 128 KiB limit, a 1,000-event page (~0.3 MB) used to cut every
  // resuming client before its first event, on every reconnect.
  temp_dir probe;
  const auto cfg = probe.path() / "small_backlog.json";
  std::ofstream(cfg) << R"({"limits":{"backlog_bytes":131072}})";
  daemon_process d({"--test-endpoints", "--no-auth", "--config", cfg.string()});
  const auto h = d.http();
  const auto sid = create_sensor(h);
  constexpr int batches = 6;
  constexpr int per_batch = 500;
  std::string body = "[";
  for (int i = 0; i < per_batch; ++i) {
    body += (i ? ",{\"sensor_id\":" : "{\"sensor_id\":") + std::to_string(sid) +
            ",\"valor\":2.5,\"unidad\":\"padding-padding-padding-padding\"}";
  }
  body += "]";
  for (int b = 0; b < batches; ++b) REQUIRE(h.post("/api/v1/lecturas/batch", body).status == 201);

  ws_client c = open_ws(d, "?channel=readings&since=0");
  std::set<std::int64_t> seen;
  const auto order = read_seqs(c, batches * per_batch, seen);
  INFO("close code " << c.close_code().value_or(-1));
  CHECK(seen.size() == static_cast<std::size_t>(batches * per_batch));
  CHECK(order.size() == seen.size());
  CHECK(strictly_ascending(order));
}

// SPDX-License-Identifier: MIT
// Hostile WebSocket clients, backlogs: subscribers that stop reading are cut
// with the 1008 "slow consumer" frame they can still read, resume with
// `since` without a gap, and all backlogs together stay within the global
// budget, the largest cut first (SPEC §3).

#include <algorithm>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "e2e/hostile_ws/hostile_util.hpp"

using namespace sensorhub::e2e;
using namespace sensorhub::e2e::hostile;

namespace {

std::vector<std::int64_t> seqs_of(const std::vector<std::string>& texts) {
  std::vector<std::int64_t> out;
  for (const auto& t : texts) {
    const auto j = json_doc::parse(t);
    if (j["type"].str() == "entity_event") out.push_back(j["seq"].i64().value_or(0));
  }
  return out;
}

// Reads `n` events from a reading subscriber into `seqs`; "" or the problem.
std::string read_events(ws_client& c, int n, std::vector<std::int64_t>& seqs) {
  for (int i = 0; i < n; ++i) {
    auto m = c.recv_json(std::chrono::seconds(30));
    if (!m) return "reader: timeout or close " + std::to_string(c.close_code().value_or(-1));
    seqs.push_back((*m)["seq"].i64().value_or(0));
  }
  return {};
}

// The events after `after` in `all` (a reader's complete list).
std::vector<std::int64_t> after(const std::vector<std::int64_t>& all, std::int64_t after) {
  std::vector<std::int64_t> out;
  for (auto s : all)
    if (s > after) out.push_back(s);
  return out;
}

// Threads joined when the scope ends, a failed REQUIRE included.
struct thread_group {
  std::vector<std::thread> threads;
  thread_group() = default;
  thread_group(const thread_group&) = delete;
  thread_group& operator=(const thread_group&) = delete;
  ~thread_group() { join(); }
  void join() {
    for (auto& t : threads)
      if (t.joinable()) t.join();
  }
};

}  // namespace

TEST_CASE("8 subscribers that stop reading see 1008 slow consumer and resume without a gap") {
  // backlog_bytes 1 MiB keeps the run short. The 8 get the same stream, so
  // they pass their limit together; once the first is cut, one big batch
  // pushes the rest over within a few batches, so none waits long.
  configured_daemon d(R"({"limits":{"backlog_bytes":1048576}})");
  const auto h = d->http();
  const auto sid = create_sensor(h);
  std::vector<ws_client> slow;
  // A 64 KiB receive window: with 4 KiB, reading the ~256 KiB the kernel
  // already holds crawls at the sender's persist timer and can outlast the
  // 5 s close grace on a loaded machine (a client-side artefact; the ping
  // flood tests cover the 4 KiB window).
  for (int i = 0; i < 8; ++i) {
    slow.push_back(open_small_window_ws(*d, "?channel=readings", 64 * 1024));
  }
  ws_client fast = open_ws(*d, "?channel=readings");
  const std::string small = readings_batch(250, sid, sid);
  // 1000 readings are about a third of the 1 MiB limit: enough to push
  // the rest over, with room for the fast reader on a busy machine.
  const std::string big = readings_batch(1000, sid, sid);
  std::vector<std::int64_t> all;
  bool cut = false;
  bool first_seen = false;
  for (int b = 0; b < 200 && !cut; ++b) {
    const int n = first_seen ? 1000 : 250;
    REQUIRE(h.post("/api/v1/lecturas/batch", first_seen ? big : small).status == 201);
    const std::string problem = read_events(fast, n, all);
    REQUIRE_MESSAGE(problem.empty(), problem);
    const auto open = readings_connections(h);
    first_seen = open < 9;
    cut = open == 1;
  }
  REQUIRE(cut);
  // They come back to read half a second late, inside the close grace,
  // each on its own thread (as 8 separate clients would).
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  struct outcome {
    std::optional<ws_message> close;
    std::vector<std::string> skipped;
    bool eof = false;
  };
  std::vector<outcome> out(slow.size());
  std::vector<std::thread> readers;
  for (std::size_t i = 0; i < slow.size(); ++i) {
    readers.emplace_back([&, i] {
      out[i].close = slow[i].wait_close(std::chrono::seconds(10), &out[i].skipped);
      out[i].eof = slow[i].eof();
    });
  }
  for (auto& t : readers) t.join();
  std::vector<std::int64_t> last_seen;
  for (std::size_t i = 0; i < slow.size(); ++i) {
    const outcome& o = out[i];
    const std::string end = o.eof ? "EOF without a close frame" : "timeout";
    INFO("slow subscriber " << i << ": " << o.skipped.size() << " messages, then " << end);
    REQUIRE(o.close.has_value());
    CHECK(o.close->close_code == 1008);
    CHECK(o.close->payload == "slow consumer");
    const auto seen = seqs_of(o.skipped);
    // What reached it is a gap-free prefix of the stream.
    REQUIRE(seen.size() <= all.size());
    CHECK(std::equal(seen.begin(), seen.end(), all.begin()));
    last_seen.push_back(seen.empty() ? 0 : seen.back());
  }
  for (std::size_t i = 0; i < slow.size(); ++i) {
    ws_client r = open_ws(*d, "?channel=readings&since=" + std::to_string(last_seen[i]));
    const auto want = after(all, last_seen[i]);
    std::vector<std::int64_t> got;
    const std::string problem = read_events(r, static_cast<int>(want.size()), got);
    INFO("resumer " << i << " since " << last_seen[i]);
    CHECK(problem.empty());
    CHECK(got == want);
    CHECK(drain_until_pong(r).empty());  // nothing more, no duplicate
  }
  CHECK(fast.is_open());
  CHECK(healthy(*d));
}

TEST_CASE("past the global backlog budget the largest backlog is cut first and a reader never") {
  // Per subscriber 4 MiB, all together 6 MiB. Three non-reading
  // subscribers grow at 4:3:1 (all readings; sensor a's; sensor b's): the
  // first passes 3 MiB when all three hold 6 MiB, so the budget cuts it
  // before its own limit; the others are cut by their own limit later.
  configured_daemon d(R"({"limits":{"backlog_bytes":4194304,"total_backlog_bytes":6291456}})");
  const auto h = d->http();
  const auto a = create_sensor(h);
  const auto b = create_sensor(h);
  json_doc hello;
  // 64 KiB receive windows: with 4 KiB, reading what the kernel already
  // holds after the cut crawls at the sender's persist timer and can outlast
  // the 5 s close grace on a loaded machine (see the test above).
  constexpr int window = 64 * 1024;
  ws_client all_sub = open_small_window_ws(*d, "?channel=readings", window, &hello);
  const std::string all_id = hello["client_id"].str();
  ws_client a_sub =
      open_small_window_ws(*d, "?channel=readings&sensor_id=" + std::to_string(a), window, &hello);
  const std::string a_id = hello["client_id"].str();
  ws_client b_sub =
      open_small_window_ws(*d, "?channel=readings&sensor_id=" + std::to_string(b), window, &hello);
  const std::string b_id = hello["client_id"].str();
  ws_client reader = open_ws(*d, "?channel=readings", &hello);
  const std::string reader_id = hello["client_id"].str();

  const std::string body = readings_batch(400, a, b, 3);  // 3 of a for 1 of b
  std::vector<std::int64_t> seen;
  std::int64_t open_at_first_cut = -1;
  int batches = 0;
  for (; batches < 400 && readings_connections(h) > 1; ++batches) {
    REQUIRE(h.post("/api/v1/lecturas/batch", body).status == 201);
    const std::string problem = read_events(reader, 400, seen);
    REQUIRE_MESSAGE(problem.empty(), problem);
    if (open_at_first_cut < 0 && !budget_cuts(*d).empty()) {
      open_at_first_cut = readings_connections(h);
    }
  }
  MESSAGE(batches << " batches of 400");
  // The three come back to read at once, each on its own thread (as three
  // separate clients would), while the checks below run.
  std::vector<ws_client*> cut_subs{&b_sub, &a_sub, &all_sub};
  std::vector<std::optional<ws_message>> closes(cut_subs.size());
  thread_group close_readers;
  for (std::size_t i = 0; i < cut_subs.size(); ++i) {
    close_readers.threads.emplace_back(
        [&, i] { closes[i] = cut_subs[i]->wait_close(std::chrono::seconds(10)); });
  }
  CHECK(readings_connections(h) == 1);
  const auto cuts = budget_cuts(*d);
  REQUIRE_FALSE(cuts.empty());
  for (const auto& line : cuts) MESSAGE(line);
  // The first cut was the largest, before its own 4 MiB limit, while the
  // others were still open; the total it saw is the budget plus at most
  // what one sweep (250 ms) adds.
  CHECK(cuts.front().find(all_id) != std::string::npos);
  CHECK(number_after(cuts.front(), "largest subscriber backlog (") <= (4u << 20));
  CHECK(open_at_first_cut == 3);
  for (const auto& line : cuts) {
    CHECK(line.find(reader_id) == std::string::npos);
    CHECK(number_after(line, "all backlogs ") <= (6u << 20) + (2u << 20));
  }
  CHECK(cuts.front().find(a_id) == std::string::npos);
  CHECK(cuts.front().find(b_id) == std::string::npos);
  // The reader got everything, in order, and is still open.
  CHECK(seen.size() == static_cast<std::size_t>(batches) * 400);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(reader.is_open());
  CHECK(drain_until_pong(reader).empty());
  // b, cut last (by its own limit) moments ago, sees its 1008 when it
  // reads; the others were cut seconds earlier and may be past their grace:
  // if they see a close frame, it is the same one.
  close_readers.join();
  for (std::size_t i = 0; i < cut_subs.size(); ++i) {
    const auto& m = closes[i];
    if (cut_subs[i] == &b_sub) REQUIRE(m.has_value());
    if (!m) continue;
    CHECK(m->close_code == 1008);
    CHECK(m->payload == "slow consumer");
  }
  const std::string metrics = h.get("/metrics").body;
  CHECK(number_after(metrics, "\nsensorhub_dropped_subscribers_total ") >= 3);
  CHECK(healthy(*d));
}

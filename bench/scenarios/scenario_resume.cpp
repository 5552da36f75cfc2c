// SPDX-License-Identifier: MIT
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <rapidjson/document.h>

#include "driver/clock.hpp"
#include "clients/http_client.hpp"
#include "driver/report.hpp"
#include "scenarios/scenarios.hpp"
#include "clients/subscriber_pool.hpp"
#include "driver/target.hpp"

namespace bench {

namespace {

constexpr std::chrono::milliseconds setup_timeout{120000};

std::string describe(const http_response& r) {
  return r.error.empty() ? "HTTP " + std::to_string(r.status) + " " + r.body.substr(0, 300)
                         : r.error;
}

std::int64_t int_field(const std::string& body, const char* name) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return -1;
  }
  const auto it = doc.FindMember(name);
  if (it == doc.MemberEnd() || !it->value.IsInt64()) {
    return -1;
  }
  return it->value.GetInt64();
}

// What the replaying subscriber saw; written on the io thread, read by the
// control thread through the atomics while running and fully after shutdown.
struct replay_state {
  std::unordered_map<std::int64_t, std::uint32_t> index_of;  // reading id -> preload index
  std::vector<std::uint8_t> got;
  std::atomic<std::uint64_t> unique{0};
  std::atomic<std::int64_t> last_event_ns{0};
  std::int64_t first_event_ns = 0;
  std::int64_t last_seq = -1;
  std::uint64_t duplicates = 0;
  std::uint64_t out_of_order = 0;
  std::uint64_t foreign = 0;
  std::mutex notes_mu;
  std::vector<std::string> notes;  // resume_failed / error messages from the server
  std::atomic<bool> resume_failed{false};

  void on_message(const ws_message& m, std::int64_t recv) {
    if (m.kind == message_kind::resume_failed || m.kind == message_kind::error) {
      std::lock_guard<std::mutex> lock(notes_mu);
      if (m.kind == message_kind::resume_failed) {
        resume_failed.store(true);
        notes.push_back("resume_failed: " + m.text + " oldest_seq=" + std::to_string(m.oldest_seq));
      } else if (notes.size() < 5) {
        notes.push_back("error message: " + m.text);
      }
      return;
    }
    if (m.kind != message_kind::entity_event) {
      return;
    }
    const auto it = m.is_reading ? index_of.find(m.entity_id) : index_of.end();
    if (it == index_of.end()) {
      ++foreign;
      return;
    }
    if (got[it->second] != 0) {
      ++duplicates;
      return;
    }
    got[it->second] = 1;
    if (m.seq <= last_seq) {
      ++out_of_order;
    }
    last_seq = std::max(last_seq, m.seq);
    if (first_event_ns == 0) {
      first_event_ns = recv;
    }
    last_event_ns.store(recv, std::memory_order_relaxed);
    unique.fetch_add(1, std::memory_order_relaxed);
  }
};

// key: "error", or "skipped" when the server cannot do the scenario.
void write_error_report(bench_target& target, const std::string& error, const char* key = "error") {
  json_report report;
  auto& w = report.w();
  w.StartObject();
  w.Key("scenario");
  w.String("resume");
  w.Key(key);
  w.String(error.c_str());
  finish_target(target, w);
  w.EndObject();
  std::printf("%s\n", report.str().c_str());
}

// Creates the sensor of the preloaded readings; its id, or -1 with error set.
std::int64_t create_sensor(bench_target& target, const bench_options& o, const std::string& host,
                           std::string& error) {
  const auto sensor = http_call(
      target.endpoint,
      make_http_request("POST", "/api/v1/test-sensors/", host,
                        R"({"tipo":"temperatura","modelo":"resume-bench","ubicacion":"bench"})",
                        o.token),
      setup_timeout);
  const std::int64_t sensor_id = sensor.status == 201 ? int_field(sensor.body, "id") : -1;
  if (sensor_id <= 0) {
    error = "creating the sensor failed: " + describe(sensor);
  }
  return sensor_id;
}

// Resume point: the last seq before the preload (0 on a fresh database
// would replay the same readings; this also works on a used one).
std::int64_t resume_point(bench_target& target, const bench_options& o, const std::string& host) {
  const auto stats =
      http_call(target.endpoint, make_http_request("GET", "/api/v1/ws/stats", host, "", o.token),
                setup_timeout);
  return std::max<std::int64_t>(0, stats.status == 200 ? int_field(stats.body, "last_seq") : 0);
}

// The JSON array of readings [done, done + n) for POST /lecturas/batch.
std::string batch_body(std::int64_t sensor_id, std::size_t done, std::size_t n) {
  std::string body = "[";
  body.reserve(n * 56);
  for (std::size_t i = 0; i < n; ++i) {
    if (i != 0) {
      body += ',';
    }
    body += R"({"sensor_id":)" + std::to_string(sensor_id) + R"(,"valor":)" +
            std::to_string((done + i) % 1000) + R"(.5,"unidad":"C"})";
  }
  body += ']';
  return body;
}

// Posts readings [done, done + n) and maps their ids to preload indexes in
// state; "" on success, else the reason.
std::string post_batch(bench_target& target, const bench_options& o, const std::string& host,
                       std::int64_t sensor_id, std::size_t done, std::size_t n,
                       replay_state& state) {
  const auto r = http_call(target.endpoint,
                           make_http_request("POST", "/api/v1/lecturas/batch", host,
                                             batch_body(sensor_id, done, n), o.token),
                           setup_timeout);
  const std::int64_t first = r.status == 201 ? int_field(r.body, "first_id") : -1;
  const std::int64_t last = r.status == 201 ? int_field(r.body, "last_id") : -1;
  if (first <= 0 || last - first + 1 != static_cast<std::int64_t>(n)) {
    return "preload batch at " + std::to_string(done) +
           " failed or returned a non-contiguous id range: " + describe(r);
  }
  for (std::size_t i = 0; i < n; ++i) {
    state.index_of.emplace(first + static_cast<std::int64_t>(i),
                           static_cast<std::uint32_t>(done + i));
  }
  return {};
}

// Writes o.events readings in batches of o.batch_size; "" or the reason.
std::string preload(bench_target& target, const bench_options& o, const std::string& host,
                    std::int64_t sensor_id, replay_state& state) {
  for (std::size_t done = 0; done < o.events;) {
    const std::size_t n = std::min(o.batch_size, o.events - done);
    std::string error = post_batch(target, o, host, sensor_id, done, n, state);
    if (!error.empty()) {
      return error;
    }
    done += n;
  }
  return {};
}

// How the subscribe / wait / reconnect loop ended.
struct replay_outcome {
  std::int64_t connect_start = 0;
  bool connected_once = false;
  bool timed_out = false;
  std::size_t reconnects = 0;
  std::vector<std::string> problems;
};

// Waits until every preloaded event arrived; gives up after --timeout
// seconds without progress (sets timed_out), on resume_failed or if the
// daemon died. Returns whether the subscriber was disconnected.
bool wait_for_replay(subscriber_pool& pool, replay_state& state, bench_target& target,
                     const bench_options& o, bool& timed_out) {
  std::uint64_t seen = state.unique.load();
  std::int64_t progress_at = now_ns();
  const auto stall_ns = static_cast<std::int64_t>(o.timeout_s * 1e9);
  while (state.unique.load() < o.events) {
    if (!pool.disconnects().empty()) {
      return true;
    }
    if (state.resume_failed.load()) {
      return false;
    }
    if (target.daemon && !target.daemon->poll_exit().empty()) {
      return false;
    }
    const std::uint64_t now_seen = state.unique.load();
    if (now_seen != seen) {
      seen = now_seen;
      progress_at = now_ns();
    } else if (now_ns() - progress_at > stall_ns) {
      timed_out = true;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return false;
}

// The pool's handshake failures and (at most 10) disconnects, as problems.
void collect_pool_problems(const subscriber_pool& pool, const replay_state& state,
                           std::vector<std::string>& problems) {
  for (const auto& f : pool.failure_samples()) {
    problems.push_back("handshake: " + f);
  }
  const auto disconnects = pool.disconnects();
  for (const auto& d : disconnects) {
    if (problems.size() < 10) {
      problems.push_back("disconnected after " + std::to_string(state.unique.load()) +
                         " events: code " + std::to_string(d.code) + " " + d.reason);
    }
  }
}

// One subscriber with since=<from>, run until done or dropped: whether dropped.
bool subscribe_once(bench_target& target, const bench_options& o, std::int64_t from,
                    replay_state& state, replay_outcome& out) {
  pool_config pc;
  pc.uri = target.address.ws_uri("/api/v1/ws?channel=readings&since=" + std::to_string(from));
  pc.count = 1;
  pc.threads = 1;
  const auto delay = std::chrono::microseconds(o.consume_delay_us);
  subscriber_pool pool(pc, [&state, delay](std::size_t, const ws_message& m, std::int64_t recv) {
    state.on_message(m, recv);
    if (delay.count() > 0 && m.kind == message_kind::entity_event) {
      std::this_thread::sleep_for(delay);
    }
  });
  const bool connected = pool.connect_all() == 1;
  out.connected_once = out.connected_once || connected;
  bool dropped = false;
  if (connected) {
    dropped = wait_for_replay(pool, state, target, o, out.timed_out);
  }
  pool.shutdown();
  collect_pool_problems(pool, state, out.problems);
  return dropped;
}

// Wait for every preloaded event; give up after --timeout seconds without
// progress, on a disconnect, on resume_failed or if the daemon died. With
// --reconnect a dropped subscriber reconnects with since=<last seq seen>,
// as SPEC §3 suggests to a slow consumer.
replay_outcome replay(bench_target& target, const bench_options& o, std::int64_t since,
                      replay_state& state) {
  replay_outcome out;
  out.connect_start = now_ns();
  for (;;) {
    const std::int64_t from = std::max<std::int64_t>(since, state.last_seq);
    const bool dropped = subscribe_once(target, o, from, state, out);
    if (!dropped || !o.reconnect || out.reconnects >= 1000) {
      break;
    }
    ++out.reconnects;
  }
  return out;
}

// The report's numbers, from "events" to "bench_cpu_s".
void write_replay_fields(json_writer& w, const bench_options& o, std::int64_t since,
                         double preload_s, const replay_state& state, const replay_outcome& out) {
  const std::uint64_t replayed = state.unique.load();
  const std::int64_t last = state.last_event_ns.load();
  const double elapsed_s =
      last > out.connect_start ? static_cast<double>(last - out.connect_start) / 1e9 : 0;
  w.Key("events");
  w.Uint64(o.events);
  w.Key("since");
  w.Int64(since);
  w.Key("preload_s");
  w.Double(preload_s);
  w.Key("preload_events_per_s");
  w.Double(preload_s > 0 ? static_cast<double>(o.events) / preload_s : 0);
  w.Key("replayed");
  w.Uint64(replayed);
  w.Key("events_per_s");
  w.Double(elapsed_s > 0 ? static_cast<double>(replayed) / elapsed_s : 0);
  w.Key("elapsed_s");
  w.Double(elapsed_s);
  w.Key("first_event_ms");
  w.Double(state.first_event_ns > 0
               ? static_cast<double>(state.first_event_ns - out.connect_start) / 1e6
               : 0);
  w.Key("missing");
  w.Uint64(o.events - replayed);
  w.Key("duplicates");
  w.Uint64(state.duplicates);
  w.Key("out_of_order");
  w.Uint64(state.out_of_order);
  w.Key("foreign_events");
  w.Uint64(state.foreign);
  w.Key("timed_out");
  w.Bool(out.timed_out);
  w.Key("reconnects");
  w.Uint64(out.reconnects);
  w.Key("consume_delay_us");
  w.Uint64(o.consume_delay_us);
  w.Key("bench_cpu_s");
  w.Double(process_cpu_seconds());
}

// The server's notes first, then the loop's problems, then a hint when
// nothing was replayed at all.
void finish_problems(const bench_options& o, const replay_state& state, replay_outcome& out) {
  out.problems.insert(out.problems.begin(), state.notes.begin(), state.notes.end());
  if (out.connected_once && state.unique.load() == 0 && out.timed_out) {
    out.problems.push_back("no event replayed within " + std::to_string(o.timeout_s) +
                           " s: does the daemon support ?since= on /api/v1/ws?");
  }
}

// Prints the report (finishing the target); whether the daemon ended well.
bool print_report(bench_target& target, const bench_options& o, std::int64_t since,
                  double preload_s, const replay_state& state, replay_outcome& out) {
  json_report report;
  auto& w = report.w();
  w.StartObject();
  w.Key("scenario");
  w.String("resume");
  write_replay_fields(w, o, since, preload_s, state, out);
  finish_problems(o, state, out);
  if (!out.problems.empty()) {
    write_strings(w, "problems", out.problems);
  }
  const bool daemon_ok = finish_target(target, w);
  w.EndObject();
  std::printf("%s\n", report.str().c_str());
  return daemon_ok;
}

// 1 if the subscriber never connected; with --check, 3 unless every event
// arrived exactly once and in order.
int exit_code(const bench_options& o, const replay_state& state, const replay_outcome& out,
              bool daemon_ok) {
  if (!out.connected_once) {
    return 1;
  }
  // With --reconnect a drop the client recovered from is not a failure.
  const bool recovered = o.reconnect && !state.resume_failed.load() && !out.timed_out;
  const bool clean = daemon_ok && state.unique.load() == o.events && state.duplicates == 0 &&
                     state.out_of_order == 0 && (out.problems.empty() || recovered);
  return o.check && !clean ? 3 : 0;
}

}  // namespace

int run_resume(const bench_options& o) {
  bench_target target = open_target(o);
  const std::string host = target.address.host_header();
  // A server without event history (the Node peer) cannot resume.
  const auto history = http_call(
      target.endpoint,
      make_http_request("GET", "/api/v1/events?since=0&limit=1", host, "", o.token), setup_timeout);
  if (history.status == 404) {
    write_error_report(target,
                       "no event history (GET /api/v1/events: 404), so no since=", "skipped");
    return 0;
  }

  std::string error;
  const std::int64_t sensor_id = create_sensor(target, o, host, error);
  if (sensor_id <= 0) {
    write_error_report(target, error);
    return 1;
  }
  const std::int64_t since = resume_point(target, o, host);

  replay_state state;
  state.got.assign(o.events, 0);
  state.index_of.reserve(o.events);
  const std::int64_t preload_start = now_ns();
  error = preload(target, o, host, sensor_id, state);
  if (!error.empty()) {
    write_error_report(target, error);
    return 1;
  }
  const double preload_s = static_cast<double>(now_ns() - preload_start) / 1e9;
  std::fprintf(stderr, "resume: preloaded %zu readings in %.2f s; subscribing with since=%lld\n",
               o.events, preload_s, static_cast<long long>(since));

  replay_outcome out = replay(target, o, since, state);
  const bool daemon_ok = print_report(target, o, since, preload_s, state, out);
  return exit_code(o, state, out, daemon_ok);
}

}  // namespace bench

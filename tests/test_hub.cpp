// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <rapidjson/document.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <future>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/hub.hpp"
#include "sensorhub/local_event_bus.hpp"
#include "sensorhub/logger.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "sensorhub/transports/loopback.hpp"
#include "sensorhub/version.hpp"
#include "support/gate.hpp"
#include "support/temp_dir.hpp"

using namespace sensorhub;
using namespace std::chrono_literals;

namespace {

struct temp_db {
  sensorhub::testing::temp_dir dir{"sensorhub-hub"};
  std::string path = dir.file("sensorhub.db");
};

hub_options options_for(const std::string& path) {
  hub_options o;
  o.storage.path = path;
  return o;
}

// Collects events from hub::subscribe callbacks (called on another thread).
struct collector {
  std::mutex m;
  std::condition_variable cv;
  std::vector<event> got;
  std::function<void(const event&)> fn() {
    return [this](const event& e) {
      {
        std::lock_guard<std::mutex> lk(m);
        got.push_back(e);
      }
      cv.notify_all();
    };
  }
  bool wait_for_count(std::size_t n) {
    std::unique_lock<std::mutex> lk(m);
    return cv.wait_for(lk, 10s, [&] { return got.size() >= n; });
  }
  std::vector<event> events() {
    std::lock_guard<std::mutex> lk(m);
    return got;
  }
};

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  REQUIRE(!d.HasParseError());
  REQUIRE(d.IsObject());
  return d;
}

}  // namespace

TEST_CASE("start and stop publish and persist server_started / server_stopping") {
  temp_db db;
  collector c;
  hub h(options_for(db.path));
  auto sub = h.subscribe(channel::general, c.fn());
  h.start();
  REQUIRE(c.wait_for_count(1));
  h.start();  // effective once
  h.stop();
  h.stop();
  sub.reset();  // delivers what is queued, joins

  const auto got = c.events();
  REQUIRE(got.size() == 2);
  CHECK(got[0].kind == event_kind::system);
  CHECK(got[0].name == "server_started");
  CHECK(got[0].seq == 1);
  CHECK(got[1].name == "server_stopping");
  CHECK(got[1].seq == 2);
  auto d = parse(*got[0].json);
  CHECK(std::string(d["type"].GetString()) == "system_event");
  CHECK(std::string(d["event"].GetString()) == "server_started");
  CHECK(d["seq"].GetUint64() == 1);
  REQUIRE(d["data"].IsObject());
  CHECK(std::string(d["data"]["server"].GetString()) ==
        std::string("sensorhubd/") + SENSORHUB_VERSION);

  event_query q;
  const auto stored = h.repo().events(q);
  REQUIRE(stored.size() == 2);
  CHECK(*stored[0].json == *got[0].json);  // persisted exactly as sent
  CHECK(*stored[1].json == *got[1].json);
}

TEST_CASE("seq continues across hub restarts on the same file") {
  temp_db db;
  std::uint64_t last = 0;
  {
    hub h(options_for(db.path));
    h.start();
    sensor_patch p;
    p.tipo = "humedad";
    p.modelo = "SHT31";
    h.sensors().create(p);
    last = h.repo().last_seq();
    CHECK(last == 2);
  }  // destructor stops: server_stopping is seq 3
  {
    collector c;
    hub h(options_for(db.path));
    CHECK(h.stats().last_seq == 3);
    auto sub = h.subscribe(channel::general, c.fn());
    h.start();
    REQUIRE(c.wait_for_count(1));
    CHECK(c.events()[0].name == "server_started");
    CHECK(c.events()[0].seq == 4);
    CHECK(h.sensors().list({}).size() == 1);
  }
}

TEST_CASE("publish_test_event: delivered_to counts subscribers of the channel, not persisted") {
  temp_db db;
  hub h(options_for(db.path));
  h.start();
  collector a, b, c, g;
  auto s1 = h.subscribe(channel::sensors, a.fn());
  auto s2 = h.subscribe(channel::sensors, b.fn());
  auto s3 = h.subscribe(channel::sensors, c.fn());
  auto s4 = h.subscribe(channel::general, g.fn());
  const auto before = h.repo().last_seq();

  CHECK(h.publish_test_event(channel::sensors, "hola", R"({"x":1})") == 3);
  CHECK(h.publish_test_event(channel::readings, "nobody", "{}") == 0);
  CHECK(h.publish_test_event(channel::general, "g", "{}") == 1);
  REQUIRE(a.wait_for_count(1));
  auto d = parse(*a.events()[0].json);
  CHECK(std::string(d["type"].GetString()) == "test_event");
  CHECK(std::string(d["channel"].GetString()) == "sensors");
  CHECK(std::string(d["message"].GetString()) == "hola");
  CHECK(d["data"]["x"].GetInt() == 1);
  CHECK_FALSE(d.HasMember("seq"));
  CHECK(h.repo().last_seq() == before);

  const auto st = h.stats();
  CHECK(st.total_connections == 4);
  CHECK(st.of(channel::sensors).connections == 3);
  CHECK(st.of(channel::sensors).messages_sent == 3);
  CHECK(st.of(channel::general).messages_sent == 1);  // "g" (server_started came first)
  CHECK(st.last_seq == 1);
  s1.reset();
  CHECK(h.publish_test_event(channel::sensors, "again", "{}") == 2);
  CHECK(h.stats().total_connections == 3);
}

TEST_CASE("hub::subscribe: entity events arrive in seq order, filter applies") {
  hub h(options_for(":memory:"));
  collector all, only_deleted;
  auto s1 = h.subscribe(channel::sensors, all.fn());
  event_filter f;
  f.event_types = {event_type::deleted};
  auto s2 = h.subscribe(channel::sensors, only_deleted.fn(), f);

  sensor_patch p;
  p.tipo = "temperatura";
  p.modelo = "DHT22";
  const auto s = h.sensors().create(p);
  p = {};
  p.activo = false;
  h.sensors().update(s.id, p);
  h.sensors().remove(s.id);
  REQUIRE(all.wait_for_count(3));
  REQUIRE(only_deleted.wait_for_count(1));
  const auto got = all.events();
  CHECK(got[0].seq < got[1].seq);
  CHECK(got[1].seq < got[2].seq);
  CHECK(got[2].type == event_type::deleted);
  s2.reset();
  CHECK(only_deleted.events().size() == 1);
}

TEST_CASE("a hub subscription can be cancelled from inside its own callback") {
  hub h(options_for(":memory:"));
  // The delivery that cancels still completes after the test saw the
  // promise (see subscription::reset), so what the callback touches
  // lives on the heap, owned by the callback itself.
  struct shared {
    std::promise<void> cancelled;
    std::atomic<int> calls{0};
    subscription sub;
    std::mutex m;
  };
  auto st = std::make_shared<shared>();
  auto cancelled = st->cancelled.get_future();
  {
    std::lock_guard<std::mutex> lk(st->m);
    st->sub = h.subscribe(channel::general, [st](const event&) {
      ++st->calls;
      bool fire = false;
      {
        std::lock_guard<std::mutex> inner(st->m);
        if (st->sub) {
          st->sub.reset();
          fire = true;
        }
      }
      if (fire) st->cancelled.set_value();
    });
    REQUIRE(static_cast<bool>(st->sub));
  }
  h.publish_test_event(channel::general, "1", "{}");
  REQUIRE(cancelled.wait_for(10s) == std::future_status::ready);
  CHECK(h.publish_test_event(channel::general, "2", "{}") == 0);
  CHECK(st->calls == 1);
}

TEST_CASE("run_blocking runs on the pool, stop drains it") {
  hub h(options_for(":memory:"));
  std::atomic<int> ran{0};
  std::promise<std::thread::id> where;
  h.run_blocking([&] { where.set_value(std::this_thread::get_id()); });
  auto fut = where.get_future();
  REQUIRE(fut.wait_for(10s) == std::future_status::ready);
  CHECK((fut.get() != std::this_thread::get_id()));
  for (int i = 0; i < 100; ++i) h.run_blocking([&] { ++ran; });
  h.stop();
  CHECK(ran == 100);
  h.run_blocking([&] { ++ran; });  // after stop: inline
  CHECK(ran == 101);
}

TEST_CASE("transports added before and after start are started, stop closes them") {
  temp_db db;
  hub h(options_for(db.path));
  auto early = std::make_shared<loopback_transport>();
  h.add_transport(early);
  h.start();
  auto late = std::make_shared<loopback_transport>();
  h.add_transport(late);

  session_options o;
  o.channels = {channel::general};
  auto c1 = early->connect(o);
  auto c2 = late->connect(o);
  for (auto* c : {c1.get(), c2.get()}) {
    auto m = c->receive(10s);
    REQUIRE(m);
    CHECK(parse(*m)["server"].GetString() == std::string("sensorhubd/") + SENSORHUB_VERSION);
  }
  const auto ctx = h.context();
  CHECK(ctx.bus == &h.bus());
  CHECK(ctx.repo == &h.repo());
  CHECK(ctx.stats().total_connections == 2);

  h.stop();
  for (auto* c : {c1.get(), c2.get()}) {
    while (c->receive(10s)) {
    }
    CHECK(c->close_code() == 1001);
  }
}

TEST_CASE("server_name overrides the greeting's server") {
  hub_options o = options_for(":memory:");
  o.server_name = "custom/9";
  hub h(o);
  auto lb = std::make_shared<loopback_transport>();
  h.add_transport(lb);
  h.start();
  auto c = lb->connect({});
  auto m = c->receive(10s);
  REQUIRE(m);
  auto d = parse(*m);
  CHECK(std::string(d["server"].GetString()) == "custom/9");
  CHECK(std::string(d["channels"][0].GetString()) == "general");
}

// ---- retention (SPEC §5) -----------------------------------------------------

namespace {

sensor_patch any_sensor() {
  sensor_patch p;
  p.tipo = "temperatura";
  p.modelo = "DHT22";
  return p;
}

std::string next_message(loopback_transport::connection& c) {
  auto m = c.receive(10s);
  REQUIRE_MESSAGE(m.has_value(), "no message within 10 s");
  return *m;
}

}  // namespace

TEST_CASE("prune(): keeps the newest max_events, a resume from 0 gets resume_failed first") {
  temp_db db;
  hub_options o = options_for(db.path);
  o.retention.max_events = 10;
  o.retention.batch = 7;                            // several bounded batches
  o.prune_interval = std::chrono::milliseconds(0);  // only on demand here
  hub h(o);
  auto lb = std::make_shared<loopback_transport>();
  h.add_transport(lb);
  h.start();  // server_started: seq 1
  for (int i = 0; i < 50; ++i) h.sensors().create(any_sensor());
  REQUIRE(h.repo().last_seq() == 51);
  REQUIRE(h.repo().oldest_seq() == 1);

  CHECK(h.prune() == 41);
  CHECK(h.repo().oldest_seq() == 42);
  CHECK(h.repo().last_seq() == 51);  // never moves back
  CHECK(h.prune() == 0);             // already within the limit

  session_options opts;
  opts.channels = {channel::sensors, channel::general};
  opts.since = 0;
  auto c = lb->connect(opts);
  CHECK(parse(next_message(*c))["type"] == "connection_established");
  CHECK(parse(next_message(*c))["type"] == "stats");
  CHECK(next_message(*c) ==
        R"({"type":"resume_failed","reason":"history_truncated","oldest_seq":42})");
  for (std::uint64_t seq = 42; seq <= 51; ++seq) {
    auto d = parse(next_message(*c));
    CHECK(d["type"] == "entity_event");
    CHECK(d["seq"].GetUint64() == seq);
  }
  // Then live, without a gap.
  h.sensors().create(any_sensor());
  auto live = parse(next_message(*c));
  CHECK(live["seq"].GetUint64() == 52);
  c->send(R"({"type":"ping"})");
  CHECK(parse(next_message(*c))["type"] == "pong");
}

TEST_CASE("prune() without max_events or max_age deletes nothing") {
  temp_db db;
  hub h(options_for(db.path));
  h.start();
  for (int i = 0; i < 5; ++i) h.sensors().create(any_sensor());
  CHECK(h.prune() == 0);
  CHECK(h.repo().oldest_seq() == 1);
  CHECK(h.repo().last_seq() == 6);
}

TEST_CASE("the background prune applies retention while the hub runs, stop ends it") {
  temp_db db;
  hub_options o = options_for(db.path);
  o.retention.max_events = 5;
  o.retention.batch = 3;
  o.prune_interval = std::chrono::milliseconds(10);
  auto h = std::make_unique<hub>(o);
  h->start();
  for (int i = 0; i < 30; ++i) h->sensors().create(any_sensor());
  const std::uint64_t last = h->repo().last_seq();
  REQUIRE(last == 31);
  // Generous wait: the assertion is that it happens, not how fast.
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (h->repo().oldest_seq() < last - 4 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(h->repo().oldest_seq() == last - 4);
  CHECK(h->repo().last_seq() == last);
  h->stop();  // joins the prune thread
  h.reset();

  // A long interval does not hold up stop(): the thread wakes on stop.
  o.prune_interval = std::chrono::hours(1);
  hub idle(o);
  idle.start();
  idle.stop();  // a hang here fails the test by its ctest timeout
}

TEST_CASE("the background prune runs alongside writers and a resuming client") {
  temp_db db;
  hub_options o = options_for(db.path);
  o.retention.max_events = 20;
  o.retention.batch = 5;
  o.prune_interval = std::chrono::milliseconds(1);
  hub h(o);
  auto lb = std::make_shared<loopback_transport>();
  h.add_transport(lb);
  h.start();
  session_options opts;
  opts.channels = {channel::sensors};
  auto c = lb->connect(opts);  // live from the start: sees every event
  std::vector<std::thread> writers;
  for (int t = 0; t < 2; ++t) {
    writers.emplace_back([&h] {
      for (int i = 0; i < 100; ++i) h.sensors().create(any_sensor());
    });
  }
  for (auto& w : writers) w.join();
  CHECK(parse(next_message(*c))["type"] == "connection_established");
  CHECK(parse(next_message(*c))["type"] == "stats");
  for (std::uint64_t seq = 2; seq <= 201; ++seq) {
    CHECK(parse(next_message(*c))["seq"].GetUint64() == seq);
  }
  CHECK(h.repo().last_seq() == 201);
  sensor_query all;
  all.limit = max_list_limit;
  CHECK(h.sensors().list(all).size() == 200);  // pruning touches events only
}

namespace {

// A bus that counts what the hub does with it and hands everything to a real
// local_event_bus; publishing can be made to fail.
class counting_bus final : public event_bus {
 public:
  std::atomic<int> subscribes{0};
  std::atomic<int> publishes{0};
  std::atomic<bool> fail_publish{false};

  subscription subscribe(channel c, std::shared_ptr<subscriber> s, event_filter f) override {
    ++subscribes;
    return inner_.subscribe(c, std::move(s), std::move(f));
  }
  using event_bus::publish;
  std::size_t publish(const std::vector<event>& events) override {
    ++publishes;
    if (fail_publish) throw std::runtime_error("bus is down");
    return inner_.publish(events);
  }
  void set_error_handler(error_handler h) override { inner_.set_error_handler(std::move(h)); }
  hub_stats stats() const override { return inner_.stats(); }
  void note_dropped_subscriber() override { inner_.note_dropped_subscriber(); }

 private:
  local_event_bus inner_{null_log_sink()};
};

// A repository that counts writes and history reads and hands everything to
// a real sqlite_repository.
class counting_repository final : public repository {
 public:
  explicit counting_repository(const std::string& path) : inner_(make_options(path)) {}
  std::atomic<int> writes{0};
  std::atomic<int> event_reads{0};

  std::vector<event> write(const std::function<void(write_tx&)>& work) override {
    ++writes;
    return inner_.write(work);
  }
  void set_commit_hook(std::function<void(const std::vector<event>&)> hook) override {
    inner_.set_commit_hook(std::move(hook));
  }
  std::optional<sensor> find_sensor(std::int64_t id) override { return inner_.find_sensor(id); }
  std::vector<sensor> list_sensors(const sensor_query& q, const data_scope& scope) override {
    return inner_.list_sensors(q, scope);
  }
  std::optional<reading> find_reading(std::int64_t id) override { return inner_.find_reading(id); }
  std::vector<reading> list_readings(const reading_query& q, const data_scope& scope) override {
    return inner_.list_readings(q, scope);
  }
  std::optional<idempotent_response> find_idempotent(const std::string& owner,
                                                     const std::string& key) override {
    return inner_.find_idempotent(owner, key);
  }
  std::vector<agg_bucket> aggregate_readings(const agg_query& q) override {
    return inner_.aggregate_readings(q);
  }
  std::vector<liveness_row> liveness() override { return inner_.liveness(); }
  std::vector<event> events(const event_query& q) override {
    ++event_reads;
    return inner_.events(q);
  }
  std::uint64_t last_seq() override { return inner_.last_seq(); }
  std::uint64_t oldest_seq() override { return inner_.oldest_seq(); }
  std::uint64_t prune_events(const retention_policy& p) override { return inner_.prune_events(p); }
  state_snapshot snapshot(channel c, const event_filter& f, const data_scope& scope) override {
    return inner_.snapshot(c, f, scope);
  }

 private:
  static sqlite_options make_options(const std::string& path) {
    sqlite_options o;
    o.path = path;
    return o;
  }
  sqlite_repository inner_;
};

// Keeps what a log sink receives.
struct log_capture {
  std::mutex m;
  std::vector<std::pair<log_level, std::string>> lines;
  log_sink sink() {
    return [this](log_level l, std::string_view msg) {
      std::lock_guard<std::mutex> lk(m);
      lines.emplace_back(l, std::string(msg));
    };
  }
  bool has(log_level l, const std::string& part) {
    std::lock_guard<std::mutex> lk(m);
    for (const auto& [level, text] : lines) {
      if (level == l && text.find(part) != std::string::npos) return true;
    }
    return false;
  }
};

sensor_patch dht22() {
  sensor_patch p;
  p.tipo = "temperatura";
  p.modelo = "DHT22";
  return p;
}

}  // namespace

TEST_CASE("hub_options: an injected repository and bus carry every write, event and session") {
  temp_db db;
  auto repo = std::make_shared<counting_repository>(db.path);
  auto bus = std::make_shared<counting_bus>();
  hub_options o;
  o.storage.path = "/nonexistent/dir/never-opened.db";  // ignored: repo is injected
  o.repo = repo;
  o.bus = bus;
  auto lb = std::make_shared<loopback_transport>();
  {
    hub h(o);
    CHECK(&h.repo() == repo.get());
    CHECK(&h.bus() == bus.get());
    h.add_transport(lb);
    h.start();  // server_started: a write through the injected repository
    CHECK(repo->writes == 1);
    CHECK(bus->publishes == 1);

    collector got;
    auto sub = h.subscribe(channel::sensors, got.fn());
    CHECK(bus->subscribes == 1);
    session_options so;
    so.channels = {channel::sensors};
    so.since = 0;  // the replay reads the injected repository
    auto client = lb->connect(so);
    CHECK(bus->subscribes == 2);

    const auto s = h.sensors().create(dht22());
    CHECK(repo->writes == 2);
    REQUIRE(got.wait_for_count(1));
    CHECK(got.events()[0].entity_id == s.id);
    bool saw_created = false;
    for (int i = 0; i < 5 && !saw_created; ++i) {
      auto m = client->receive(10s);
      REQUIRE(m.has_value());
      saw_created = m->find("\"created\"") != std::string::npos;
    }
    CHECK(saw_created);
    CHECK(repo->event_reads >= 1);
    CHECK(h.stats().events_published == 2);  // the stats are the injected bus's
  }
  // The hub is gone (server_stopping was its last write) and took its
  // commit hook along: the shared repository still works, the bus hears
  // nothing more.
  const int publishes = bus->publishes;
  sensor_service more(*repo);
  more.create(dht22());
  CHECK(bus->publishes == publishes);
  CHECK(repo->last_seq() == 4);
}

TEST_CASE("hub_options::logger: a failing bus and a throwing callback are reported, writes stand") {
  log_capture log;
  auto bus = std::make_shared<counting_bus>();
  hub_options o = options_for(":memory:");
  o.bus = bus;
  o.logger = log.sink();
  hub h(o);

  std::promise<void> called;
  auto sub = h.subscribe(channel::sensors, [&called](const event&) {
    called.set_value();
    throw std::runtime_error("callback broke");
  });
  const auto first = h.sensors().create(dht22());
  REQUIRE(called.get_future().wait_for(10s) == std::future_status::ready);
  sub.reset();  // joins the callback thread: its error is reported by now
  CHECK(log.has(log_level::error, "callback broke"));

  bus->fail_publish = true;
  const auto second = h.sensors().create(dht22());  // committed although publishing fails
  CHECK(second.id == first.id + 1);
  CHECK(h.sensors().get(second.id).has_value());
  CHECK(log.has(log_level::error, "bus is down"));
}

TEST_CASE("publish_async: a write returns while its fan-out is still running, order kept") {
  hub_options o;
  o.storage.path = ":memory:";
  o.publish_async = true;
  hub h(o);
  sensorhub::testing::gate release;
  std::mutex m;
  std::vector<std::uint64_t> seen;
  auto sub = h.subscribe(channel::sensors, [&](const event& e) {
    release.wait();  // the first delivery holds the publisher until released
    std::lock_guard<std::mutex> lk(m);
    seen.push_back(e.seq);
  });
  h.start();
  // Each create returns although the subscriber has not been called back
  // (it is held): the writer never waits for the fan-out.
  std::vector<std::uint64_t> written;
  for (int i = 0; i < 5; ++i) {
    const sensor s = h.sensors().create(sensor_patch{std::string("t"), std::string("m"), {}, {}});
    written.push_back(static_cast<std::uint64_t>(s.id));
  }
  CHECK(written.size() == 5);
  release.open();
  h.stop();     // publishes everything before it returns
  sub.reset();  // the callback's own thread delivers what it was given, then joins
  std::lock_guard<std::mutex> lk(m);
  REQUIRE(seen.size() == 5);
  for (std::size_t i = 1; i < seen.size(); ++i) CHECK(seen[i] > seen[i - 1]);
}

TEST_CASE("publish_async: a client's live events are those committed after its greeting") {
  hub_options o;
  o.storage.path = ":memory:";
  o.publish_async = true;
  hub h(o);
  sensorhub::testing::gate release;
  auto holder = h.subscribe(channel::sensors, [&](const event&) { release.wait(); });
  auto lb = std::make_shared<loopback_transport>();
  h.add_transport(lb);
  h.start();
  // The first publish is held in the holder; `before` is committed and
  // waits in the publisher's queue behind it.
  h.sensors().create(sensor_patch{std::string("t"), std::string("held"), {}, {}});
  const sensor before =
      h.sensors().create(sensor_patch{std::string("t"), std::string("a"), {}, {}});
  session_options so;
  so.channels = {channel::sensors};
  auto c = lb->connect(so);
  CHECK(next_message(*c).find("connection_established") != std::string::npos);
  const std::string stats = next_message(*c);
  CHECK(stats.find("\"last_seq\":") != std::string::npos);
  release.open();  // `before` is published now, after this client's greeting
  const sensor after = h.sensors().create(sensor_patch{std::string("t"), std::string("b"), {}, {}});
  const std::string first = next_message(*c);
  CHECK(first.find("\"entity_id\":" + std::to_string(after.id)) != std::string::npos);
  CHECK(first.find("\"entity_id\":" + std::to_string(before.id)) == std::string::npos);
  h.stop();
}

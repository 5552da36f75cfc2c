// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/subscribers/callback_subscriber.hpp"
#include "sensorhub/codec.hpp"
#include "sensorhub/hub.hpp"
#include "sensorhub/local_event_bus.hpp"
#include "sensorhub/protocol.hpp"
#include "sensorhub/time.hpp"
#include "sensorhub/transports/loopback.hpp"
#include "sensorhub/version.hpp"
#include "support/json_dom.hpp"
#include "support/temp_dir.hpp"

using namespace sensorhub;
using namespace std::chrono_literals;
using sensorhub::testing::keys;

namespace {

// A database file in the temp directory, removed (with its WAL) afterwards.
struct temp_db {
  sensorhub::testing::temp_dir dir{"sensorhub-session"};
  std::string path = dir.file("sensorhub.db");
};

// A started hub on a temp file with a loopback transport.
struct fixture {
  temp_db db;
  std::unique_ptr<hub> h;
  std::shared_ptr<loopback_transport> lb = std::make_shared<loopback_transport>();
  fixture() {
    hub_options o;
    o.storage.path = db.path;
    h = std::make_unique<hub>(o);
    h->add_transport(lb);
    h->start();  // server_started is seq 1
  }
  std::shared_ptr<loopback_transport::connection> connect(std::vector<channel> chans,
                                                          std::optional<std::uint64_t> since = {},
                                                          event_filter filter = {}) {
    session_options opts;
    opts.channels = std::move(chans);
    opts.since = since;
    opts.filter = std::move(filter);
    return lb->connect(opts);
  }
  sensor make_sensor(const std::string& modelo = "DHT22") {
    sensor_patch p;
    p.tipo = "temperatura";
    p.modelo = modelo;
    return h->sensors().create(p);
  }
  reading make_reading(std::int64_t sensor_id, double valor) {
    reading_patch p;
    p.sensor_id = sensor_id;
    p.valor = valor;
    return h->readings().create(p);
  }
};

std::string next(loopback_transport::connection& c) {
  auto m = c.receive(10s);
  REQUIRE_MESSAGE(m.has_value(), "no message within 10 s");
  return *m;
}

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  REQUIRE_MESSAGE(!d.HasParseError(), text);
  REQUIRE(d.IsObject());
  return d;
}

std::string type_of(const std::string& text) {
  auto d = parse(text);
  REQUIRE(d.HasMember("type"));
  REQUIRE(d["type"].IsString());
  return d["type"].GetString();
}

std::uint64_t seq_of(const std::string& text) {
  auto d = parse(text);
  REQUIRE(d.HasMember("seq"));
  REQUIRE(d["seq"].IsUint64());
  return d["seq"].GetUint64();
}

// Skips the greeting (connection_established, stats).
void skip_greeting(loopback_transport::connection& c) {
  CHECK(type_of(next(c)) == "connection_established");
  CHECK(type_of(next(c)) == "stats");
}

// After a ping the next message must be the pong: nothing else was pending.
void expect_quiet(loopback_transport::connection& c) {
  c.send(R"({"type":"ping"})");
  CHECK(type_of(next(c)) == "pong");
}

std::vector<std::uint64_t> stored_seqs(repository& repo, std::uint64_t since,
                                       std::vector<channel> chans) {
  std::vector<std::uint64_t> out;
  for (;;) {
    event_query q;
    q.since = since;
    q.channels = chans;
    q.limit = 1000;
    auto page = repo.events(q);
    for (const auto& e : page) out.push_back(e.seq);
    if (page.size() < q.limit) break;
    since = page.back().seq;
  }
  return out;
}

}  // namespace

TEST_CASE("greeting: connection_established then stats, exact shapes") {
  fixture f;
  auto c = f.connect({channel::sensors, channel::readings, channel::sensors});

  const auto first = next(*c);
  auto d = parse(first);
  CHECK(keys(d) ==
        std::vector<std::string>{"type", "client_id", "channels", "server", "timestamp"});
  CHECK(std::string(d["type"].GetString()) == "connection_established");
  REQUIRE(d["client_id"].IsString());
  const std::string id = d["client_id"].GetString();
  CHECK(id.size() == 16);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  REQUIRE(d["channels"].IsArray());
  REQUIRE(d["channels"].Size() == 2);  // duplicates collapse, order kept
  CHECK(std::string(d["channels"][0].GetString()) == "sensors");
  CHECK(std::string(d["channels"][1].GetString()) == "readings");
  CHECK(std::string(d["server"].GetString()) == std::string("sensorhubd/") + SENSORHUB_VERSION);
  CHECK(parse_time(d["timestamp"].GetString()).has_value());

  auto s = parse(next(*c));
  CHECK(keys(s) == std::vector<std::string>{"type", "data", "timestamp"});
  CHECK(std::string(s["type"].GetString()) == "stats");
  const auto& data = s["data"];
  CHECK(keys(data) == std::vector<std::string>{"total_connections", "channels", "events_published",
                                               "last_seq", "uptime_s"});
  CHECK(data["total_connections"].GetUint64() == 1);  // this connection counts
  CHECK(data["channels"]["sensors"]["connections"].GetUint64() == 1);
  CHECK(data["channels"]["readings"]["connections"].GetUint64() == 1);
  CHECK(data["channels"]["general"]["connections"].GetUint64() == 0);
  CHECK(data["last_seq"].GetUint64() == 1);  // server_started
  CHECK(parse_time(s["timestamp"].GetString()).has_value());

  // Then live events.
  const auto sen = f.make_sensor();
  auto e = parse(next(*c));
  CHECK(std::string(e["type"].GetString()) == "entity_event");
  CHECK(e["entity_id"].GetInt64() == sen.id);
  CHECK(e["seq"].GetUint64() == 2);
  expect_quiet(*c);
  CHECK(c->close_code() == 0);
}

TEST_CASE("client messages: ping, get_stats, subscribe, unsubscribe, errors, binary") {
  fixture f;
  auto c = f.connect({channel::sensors});
  skip_greeting(*c);

  c->send(R"({"type":"ping"})");
  auto pong = parse(next(*c));
  CHECK(keys(pong) == std::vector<std::string>{"type", "timestamp"});
  CHECK(std::string(pong["type"].GetString()) == "pong");
  CHECK(parse_time(pong["timestamp"].GetString()).has_value());

  c->send(R"({"type":"get_stats"})");
  auto st = parse(next(*c));
  CHECK(std::string(st["type"].GetString()) == "stats");
  CHECK(st["data"]["channels"]["sensors"]["connections"].GetUint64() == 1);

  c->send(R"({"type":"subscribe","channel":"readings"})");
  CHECK(next(*c) == R"({"type":"subscribed","channels":["sensors","readings"]})");
  c->send(R"({"type":"subscribe","channel":"readings"})");  // again: same list
  CHECK(next(*c) == R"({"type":"subscribed","channels":["sensors","readings"]})");
  c->send(R"({"type":"unsubscribe","channel":"sensors"})");
  CHECK(next(*c) == R"({"type":"unsubscribed","channels":["readings"]})");
  c->send(R"({"type":"unsubscribe","channel":"general"})");  // not subscribed
  CHECK(next(*c) == R"({"type":"unsubscribed","channels":["readings"]})");

  // Only readings now.
  const auto s = f.make_sensor();
  const auto r = f.make_reading(s.id, 21.5);
  auto ev = parse(next(*c));
  CHECK(std::string(ev["channel"].GetString()) == "readings");
  CHECK(ev["entity_id"].GetInt64() == r.id);
  expect_quiet(*c);

  struct bad {
    const char* text;
    const char* code;
  };
  for (const bad& b : {bad{"{", "invalid_json"}, bad{"[1,2", "invalid_json"},
                       bad{"NaN", "invalid_json"}, bad{R"({"type":"dance"})", "invalid_message"},
                       bad{R"({"type":"subscribe"})", "invalid_message"},
                       bad{R"({"type":"subscribe","channel":"nope"})", "invalid_message"},
                       bad{R"({"type":"subscribe","channel":"general","x":1})", "invalid_message"},
                       bad{R"([])", "invalid_message"}, bad{R"({"type":1})", "invalid_message"}}) {
    CAPTURE(b.text);
    c->send(b.text);
    auto err = parse(next(*c));
    CHECK(keys(err) == std::vector<std::string>{"type", "error", "detail"});
    CHECK(std::string(err["type"].GetString()) == "error");
    CHECK(std::string(err["error"].GetString()) == b.code);
    CHECK(err["detail"].IsString());
  }

  c->send_binary("\x01\x02");
  auto err = parse(next(*c));
  CHECK(std::string(err["error"].GetString()) == "unsupported_data");

  // Still open and working.
  expect_quiet(*c);
  CHECK(c->close_code() == 0);
}

TEST_CASE("channel isolation") {
  fixture f;
  auto sensors = f.connect({channel::sensors});
  auto readings = f.connect({channel::readings});
  auto general = f.connect({channel::general});
  skip_greeting(*sensors);
  skip_greeting(*readings);
  skip_greeting(*general);

  const auto s = f.make_sensor();
  f.make_reading(s.id, 1.0);
  f.h->publish_test_event(channel::general, "hello", R"({"k":1})");

  auto a = parse(next(*sensors));
  CHECK(std::string(a["entity_type"].GetString()) == "sensor");
  auto b = parse(next(*readings));
  CHECK(std::string(b["entity_type"].GetString()) == "lectura");
  auto g = parse(next(*general));
  CHECK(std::string(g["type"].GetString()) == "test_event");
  CHECK(std::string(g["message"].GetString()) == "hello");
  expect_quiet(*sensors);
  expect_quiet(*readings);
  expect_quiet(*general);
}

TEST_CASE("filters: from the options, and replaced by subscribe") {
  fixture f;
  const auto s1 = f.make_sensor("a");
  const auto s2 = f.make_sensor("b");

  event_filter deleted_only;
  deleted_only.event_types = {event_type::deleted};
  auto del = f.connect({channel::sensors}, {}, deleted_only);
  auto all = f.connect({channel::sensors});
  skip_greeting(*del);
  skip_greeting(*all);

  sensor_patch p;
  p.modelo = "c";
  f.h->sensors().update(s1.id, p);
  CHECK(type_of(next(*all)) == "entity_event");

  all->send(R"({"type":"subscribe","channel":"sensors","filter":{"entity_id":[)" +
            std::to_string(s2.id) + "]}}");
  CHECK(next(*all) == R"({"type":"subscribed","channels":["sensors"]})");
  p.modelo = "d";
  f.h->sensors().update(s1.id, p);
  f.h->sensors().update(s2.id, p);
  auto u = parse(next(*all));
  CHECK(u["entity_id"].GetInt64() == s2.id);
  CHECK(std::string(u["event_type"].GetString()) == "updated");
  expect_quiet(*all);

  f.h->sensors().remove(s1.id);
  auto d = parse(next(*del));
  CHECK(std::string(d["event_type"].GetString()) == "deleted");
  CHECK(d["entity_id"].GetInt64() == s1.id);
  expect_quiet(*del);
  expect_quiet(*all);  // s1 is filtered out there
}

namespace {

// A bus that hands everything to a real local_event_bus and counts what the
// sessions ask of it, down to each subscription's set_filter.
class watching_bus final : public event_bus {
 public:
  std::atomic<int> subscribes{0};
  std::atomic<int> filter_changes{0};

  subscription subscribe(channel c, std::shared_ptr<subscriber> s, event_filter f) override {
    ++subscribes;
    return subscription(std::make_unique<watched>(inner_.subscribe(c, std::move(s), f), *this));
  }
  using event_bus::publish;
  std::size_t publish(const std::vector<event>& events) override { return inner_.publish(events); }
  void set_error_handler(error_handler h) override { inner_.set_error_handler(std::move(h)); }
  hub_stats stats() const override { return inner_.stats(); }
  void note_dropped_subscriber() override { inner_.note_dropped_subscriber(); }

 private:
  struct watched final : subscription::control {
    watched(subscription s, watching_bus& b) : sub(std::move(s)), bus(b) {}
    void cancel() noexcept override { sub.reset(); }
    void set_filter(event_filter f) override {
      ++bus.filter_changes;
      sub.set_filter(std::move(f));
    }
    subscription sub;
    watching_bus& bus;
  };
  local_event_bus inner_;
};

}  // namespace

TEST_CASE(
    "a subscribe on a subscribed channel changes the filter on the bus, not a new subscription") {
  temp_db db;
  auto bus = std::make_shared<watching_bus>();
  hub_options o;
  o.storage.path = db.path;
  o.bus = bus;
  hub h(o);
  auto lb = std::make_shared<loopback_transport>();
  h.add_transport(lb);
  h.start();
  session_options so;
  so.channels = {channel::sensors};
  auto c = lb->connect(so);
  skip_greeting(*c);
  CHECK(bus->subscribes == 1);

  sensor_patch p;
  p.tipo = "temperatura";
  p.modelo = "a";
  const auto s1 = h.sensors().create(p);
  const auto s2 = h.sensors().create(p);
  const auto first = seq_of(next(*c));
  CHECK(seq_of(next(*c)) == first + 1);
  c->send(R"({"type":"subscribe","channel":"sensors","filter":{"entity_id":[)" +
          std::to_string(s2.id) + "]}}");
  CHECK(next(*c) == R"({"type":"subscribed","channels":["sensors"]})");
  CHECK(bus->subscribes == 1);
  CHECK(bus->filter_changes == 1);
  CHECK(h.stats().of(channel::sensors).connections == 1);

  p = {};
  p.modelo = "b";
  h.sensors().update(s1.id, p);  // filtered out by the bus
  h.sensors().update(s2.id, p);
  auto u = parse(next(*c));
  CHECK(u["entity_id"].GetInt64() == s2.id);
  CHECK(std::string(u["event_type"].GetString()) == "updated");
  // Only the s2 update was delivered on the channel after the filter change.
  CHECK(h.stats().of(channel::sensors).messages_sent == 3);
}

TEST_CASE("resume mid-stream with 4 concurrent writers: every seq > S exactly once, in order") {
  std::random_device rd;
  for (int round = 0; round < 2; ++round) {
    CAPTURE(round);
    fixture f;
    std::vector<sensor> sensors;
    for (int t = 0; t < 4; ++t) sensors.push_back(f.make_sensor("m" + std::to_string(t)));

    std::mt19937 rng(rd());
    const int trigger = std::uniform_int_distribution<int>(0, 900)(rng);
    std::atomic<int> done{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t) {
      writers.emplace_back([&f, &done, s = sensors[static_cast<std::size_t>(t)]] {
        for (int i = 0; i < 250; ++i) {
          if (i % 5 == 0) {
            sensor_patch p;
            p.modelo = "m" + std::to_string(i);
            f.h->sensors().update(s.id, p);
          } else {
            f.make_reading(s.id, i);
          }
          ++done;
        }
      });
    }
    while (done.load() < trigger) std::this_thread::yield();
    const std::uint64_t last = f.h->repo().last_seq();
    const std::uint64_t back = std::uniform_int_distribution<std::uint64_t>(0, 60)(rng);
    const std::uint64_t since = last > back ? last - back : 0;
    CAPTURE(trigger);
    CAPTURE(since);
    auto c = f.connect({channel::sensors, channel::readings}, since);
    for (auto& w : writers) w.join();

    const auto expected = stored_seqs(f.h->repo(), since, {channel::sensors, channel::readings});
    REQUIRE_FALSE(expected.empty());
    CHECK(expected.back() == f.h->repo().last_seq());
    skip_greeting(*c);
    std::vector<std::uint64_t> got;
    while (got.size() < expected.size()) {
      const auto m = next(*c);
      REQUIRE(type_of(m) == "entity_event");
      got.push_back(seq_of(m));
    }
    CHECK(got == expected);
    expect_quiet(*c);  // no duplicate after the last one
  }
}

TEST_CASE("resume replays several pages, then goes live") {
  fixture f;
  const auto s = f.make_sensor();
  std::vector<reading_patch> batch(2500);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].sensor_id = s.id;
    batch[i].valor = static_cast<double>(i);
  }
  f.h->readings().create_batch(batch);

  auto c = f.connect({channel::readings, channel::general}, 0);
  skip_greeting(*c);
  const auto expected = stored_seqs(f.h->repo(), 0, {channel::readings, channel::general});
  REQUIRE(expected.size() == 2501);  // server_started + the batch
  std::vector<std::uint64_t> got;
  while (got.size() < expected.size()) got.push_back(seq_of(next(*c)));
  CHECK(got == expected);

  const auto r = f.make_reading(s.id, 1.5);
  auto live = parse(next(*c));
  CHECK(live["entity_id"].GetInt64() == r.id);
  CHECK(live["seq"].GetUint64() == expected.back() + 1);
  expect_quiet(*c);
}

TEST_CASE("resume from the last seq: nothing replayed, live continues") {
  fixture f;
  f.make_sensor();
  const auto last = f.h->repo().last_seq();
  auto c = f.connect({channel::sensors}, last);
  skip_greeting(*c);
  expect_quiet(*c);
  f.make_sensor();
  CHECK(seq_of(next(*c)) == last + 1);
  expect_quiet(*c);
}

TEST_CASE("truncated history: resume_failed first, then what is retained") {
  fixture f;
  for (int i = 0; i < 20; ++i) f.make_sensor();
  retention_policy keep5;
  keep5.max_events = 5;
  f.h->repo().prune_events(keep5);
  const auto oldest = f.h->repo().oldest_seq();
  REQUIRE(oldest == 17);

  auto c = f.connect({channel::sensors, channel::general}, 3);
  skip_greeting(*c);
  CHECK(next(*c) == R"({"type":"resume_failed","reason":"history_truncated","oldest_seq":17})");
  for (std::uint64_t s = 17; s <= 21; ++s) CHECK(seq_of(next(*c)) == s);
  expect_quiet(*c);

  // Resuming inside the retained history is not a failure.
  auto ok = f.connect({channel::sensors}, 16);
  skip_greeting(*ok);
  CHECK(seq_of(next(*ok)) == 17);
}

TEST_CASE("subscribe with since replays the new channel, then live") {
  fixture f;
  auto c = f.connect({channel::sensors});
  skip_greeting(*c);
  const auto s = f.make_sensor();
  CHECK(seq_of(next(*c)) == 2);
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(f.make_reading(s.id, i).id);
  expect_quiet(*c);  // readings not subscribed yet

  c->send(R"({"type":"subscribe","channel":"readings","since":0})");
  CHECK(next(*c) == R"({"type":"subscribed","channels":["sensors","readings"]})");
  for (int i = 0; i < 3; ++i) {
    auto d = parse(next(*c));
    CHECK(d["entity_id"].GetInt64() == ids[static_cast<std::size_t>(i)]);
  }
  const auto r = f.make_reading(s.id, 9);
  auto d = parse(next(*c));
  CHECK(d["entity_id"].GetInt64() == r.id);
  expect_quiet(*c);
}

TEST_CASE("a slow consumer is closed with 1008 and never slows the others") {
  fixture f;
  std::atomic<int> others{0};
  auto counter = std::make_shared<callback_subscriber>([&](const event&) { ++others; });
  auto h = f.h->bus().subscribe(channel::general, counter);

  session_options opts;
  opts.channels = {channel::general};
  opts.backlog_limit = 4096;
  auto slow = f.lb->connect(opts);
  auto fine = f.connect({channel::general});
  skip_greeting(*slow);  // then it stops reading
  const std::string big(200, 'x');
  for (int i = 0; i < 200; ++i) {
    f.h->publish_test_event(channel::general, big, "{}");
  }
  counter->flush();
  CHECK(others == 200);

  // The slow one: whatever was buffered, then the close.
  int received = 0;
  while (slow->receive(10s)) ++received;
  CHECK(received < 200);
  CHECK(slow->close_code() == 1008);
  CHECK(slow->close_reason() == "slow consumer");
  CHECK(f.h->stats().dropped_subscribers == 1);
  CHECK(f.h->stats().total_connections == 2);  // counter and `fine`

  // The other connection got everything.
  skip_greeting(*fine);
  for (int i = 0; i < 200; ++i) CHECK(type_of(next(*fine)) == "test_event");
  expect_quiet(*fine);
}

TEST_CASE("client close unsubscribes, the transport's stop closes with 1001") {
  fixture f;
  auto a = f.connect({channel::sensors});
  auto b = f.connect({channel::general});
  skip_greeting(*a);
  skip_greeting(*b);
  CHECK(f.h->stats().total_connections == 2);
  a->close();
  CHECK(a->close_code() == 1000);
  CHECK(f.h->stats().total_connections == 1);
  CHECK_FALSE(a->receive(10s).has_value());  // closed: ends at once

  f.h->stop();
  auto stopping = parse(next(*b));
  CHECK(std::string(stopping["type"].GetString()) == "system_event");
  CHECK(std::string(stopping["event"].GetString()) == "server_stopping");
  CHECK_FALSE(b->receive(10s).has_value());
  CHECK(b->close_code() == 1001);
  CHECK(b->close_reason() == "going away");
  CHECK(f.h->stats().total_connections == 0);

  auto late = f.connect({channel::general});
  CHECK(late->close_code() == 1001);
  CHECK_FALSE(late->receive(10s).has_value());  // closed: ends at once
}

// ---- snapshots (SPEC §6) -----------------------------------------------------

namespace {

session_options snapshot_options(std::vector<channel> chans, event_filter filter = {}) {
  session_options opts;
  opts.channels = std::move(chans);
  opts.filter = std::move(filter);
  opts.snapshot = true;
  return opts;
}

sensor make_sensor_of(fixture& f, const std::string& tipo) {
  sensor_patch p;
  p.tipo = tipo;
  p.modelo = "M";
  return f.h->sensors().create(p);
}

reading make_reading_at(fixture& f, std::int64_t sensor_id, double valor, long long micros) {
  reading_patch p;
  p.sensor_id = sensor_id;
  p.valor = valor;
  p.timestamp = from_micros(micros);
  return f.h->readings().create(p);
}

std::string sensors_json(fixture& f, const std::vector<std::int64_t>& ids) {
  std::vector<sensor> v;
  for (auto id : ids) v.push_back(f.h->repo().find_sensor(id).value());
  return to_json(v);
}

std::string readings_json(fixture& f, const std::vector<std::int64_t>& ids) {
  std::vector<reading> v;
  for (auto id : ids) v.push_back(f.h->repo().find_reading(id).value());
  return to_json(v);
}

std::string canonical(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
}

std::string canonical(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str(), text.size());
  REQUIRE(!d.HasParseError());
  return canonical(d);
}

}  // namespace

TEST_CASE("snapshot on connect: one message per channel, filtered, then live from seq > S") {
  fixture f;
  const auto t1 = make_sensor_of(f, "temperatura").id;
  const auto h1 = make_sensor_of(f, "humedad").id;
  const auto t2 = make_sensor_of(f, "temperatura").id;
  make_reading_at(f, t1, 1, 1000);
  const auto t1_latest = make_reading_at(f, t1, 2, 3000).id;
  make_reading_at(f, t1, 3, 2000);
  const auto h1_latest = make_reading_at(f, h1, 4, 500).id;
  const auto S = f.h->repo().last_seq();

  SUBCASE("no filter") {
    auto c =
        f.lb->connect(snapshot_options({channel::sensors, channel::readings, channel::general}));
    skip_greeting(*c);
    CHECK(next(*c) == encode_snapshot(S, channel::sensors, sensors_json(f, {t1, h1, t2})));
    CHECK(next(*c) ==
          encode_snapshot(S, channel::readings, readings_json(f, {t1_latest, h1_latest})));
    CHECK(next(*c) == R"({"type":"snapshot","seq":)" + std::to_string(S) +
                          R"(,"channel":"general","data":[]})");
    expect_quiet(*c);
    const auto r = make_reading_at(f, t2, 9, 100);
    auto live = parse(next(*c));
    CHECK(live["entity_id"].GetInt64() == r.id);
    CHECK(live["seq"].GetUint64() == S + 1);
    expect_quiet(*c);
  }
  SUBCASE("tipo filter, and event_type restricts events only") {
    event_filter filt;
    filt.tipo = {"temperatura"};
    filt.event_types = {event_type::updated};
    auto c = f.lb->connect(snapshot_options({channel::sensors, channel::readings}, filt));
    skip_greeting(*c);
    CHECK(next(*c) == encode_snapshot(S, channel::sensors, sensors_json(f, {t1, t2})));
    CHECK(next(*c) == encode_snapshot(S, channel::readings, readings_json(f, {t1_latest})));
    expect_quiet(*c);
    make_sensor_of(f, "temperatura");  // created: filtered out
    sensor_patch p;
    p.modelo = "N";
    f.h->sensors().update(h1, p);  // humedad: filtered out
    f.h->sensors().update(t2, p);
    auto live = parse(next(*c));
    CHECK(live["entity_id"].GetInt64() == t2);
    CHECK(live["seq"].GetUint64() == S + 3);
    expect_quiet(*c);
  }
  SUBCASE("sensor_id and entity_id") {
    event_filter filt;
    filt.sensor_id = {h1, t2};
    auto c = f.lb->connect(snapshot_options({channel::sensors, channel::readings}, filt));
    skip_greeting(*c);
    CHECK(next(*c) == encode_snapshot(S, channel::sensors, sensors_json(f, {h1, t2})));
    CHECK(next(*c) == encode_snapshot(S, channel::readings, readings_json(f, {h1_latest})));
    expect_quiet(*c);

    event_filter by_reading;
    by_reading.entity_id = {t1_latest - 1};  // t1's oldest reading
    auto d = f.lb->connect(snapshot_options({channel::readings}, by_reading));
    skip_greeting(*d);
    CHECK(next(*d) == encode_snapshot(S, channel::readings, readings_json(f, {t1_latest - 1})));
    expect_quiet(*d);
  }
  SUBCASE("snapshot wins over since: no replay, no resume_failed") {
    session_options opts = snapshot_options({channel::sensors});
    opts.since = 0;
    auto c = f.lb->connect(opts);
    skip_greeting(*c);
    CHECK(next(*c) == encode_snapshot(S, channel::sensors, sensors_json(f, {t1, h1, t2})));
    expect_quiet(*c);
  }
}

TEST_CASE("snapshot through the subscribe message, on a new and on a subscribed channel") {
  fixture f;
  const auto a = make_sensor_of(f, "temperatura").id;
  const auto b = make_sensor_of(f, "humedad").id;
  make_reading_at(f, a, 1, 10);
  const auto rb = make_reading_at(f, b, 2, 10).id;
  auto c = f.connect({channel::sensors});
  skip_greeting(*c);
  expect_quiet(*c);  // no snapshot unless asked

  c->send(R"({"type":"subscribe","channel":"readings","filter":{"sensor_id":[)" +
          std::to_string(b) + R"(]},"snapshot":true})");
  CHECK(next(*c) == R"({"type":"subscribed","channels":["sensors","readings"]})");
  auto S = f.h->repo().last_seq();
  CHECK(next(*c) == encode_snapshot(S, channel::readings, readings_json(f, {rb})));
  expect_quiet(*c);
  make_reading_at(f, a, 3, 20);  // filtered out
  const auto rb2 = make_reading_at(f, b, 4, 20).id;
  auto live = parse(next(*c));
  CHECK(live["entity_id"].GetInt64() == rb2);
  CHECK(live["seq"].GetUint64() == S + 2);
  expect_quiet(*c);

  // Re-subscribing an existing channel with snapshot (and since: ignored).
  c->send(R"({"type":"subscribe","channel":"sensors","filter":{"tipo":"temperatura"},)"
          R"("snapshot":true,"since":0})");
  CHECK(next(*c) == R"({"type":"subscribed","channels":["sensors","readings"]})");
  S = f.h->repo().last_seq();
  CHECK(next(*c) == encode_snapshot(S, channel::sensors, sensors_json(f, {a})));
  expect_quiet(*c);
}

TEST_CASE("snapshot under 4 concurrent writers: state + later events reproduce the final state") {
  std::random_device rd;
  for (int round = 0; round < 3; ++round) {
    CAPTURE(round);
    fixture f;
    std::vector<sensor> sensors;
    for (int t = 0; t < 4; ++t) sensors.push_back(f.make_sensor("m" + std::to_string(t)));

    std::mt19937 rng(rd());
    const int trigger = std::uniform_int_distribution<int>(0, 900)(rng);
    CAPTURE(trigger);
    std::atomic<int> done{0};
    std::vector<std::thread> writers;
    for (int t = 0; t < 4; ++t) {
      writers.emplace_back([&f, &done, t, s = sensors[static_cast<std::size_t>(t)]] {
        std::int64_t last_reading = 0;
        for (int i = 0; i < 250; ++i) {
          if (i % 50 == 25) {
            make_sensor_of(f, "extra");
          } else if (i % 5 == 0) {
            sensor_patch p;
            p.modelo = "m" + std::to_string(i);
            f.h->sensors().update(s.id, p);
          } else if (i % 7 == 0 && last_reading != 0) {
            reading_patch p;
            p.valor = -i;
            f.h->readings().update(last_reading, p);  // still the sensor's latest
          } else {
            // Strictly increasing timestamps per sensor: the newest is the latest.
            last_reading = make_reading_at(f, s.id, i, 1000000LL * (t * 1000 + i)).id;
          }
          ++done;
        }
      });
    }
    while (done.load() < trigger) std::this_thread::yield();
    auto c = f.lb->connect(snapshot_options({channel::sensors, channel::readings}));
    for (auto& w : writers) w.join();

    skip_greeting(*c);
    std::map<std::int64_t, std::string> sensor_state;  // id -> canonical entity
    struct latest_reading {
      std::int64_t id = 0;
      std::string ts;
      std::string json;
    };
    std::map<std::int64_t, latest_reading> reading_state;  // sensor id -> latest

    auto snap_s = parse(next(*c));
    REQUIRE(std::string(snap_s["type"].GetString()) == "snapshot");
    REQUIRE(std::string(snap_s["channel"].GetString()) == "sensors");
    const std::uint64_t S_s = snap_s["seq"].GetUint64();
    for (const auto& v : snap_s["data"].GetArray()) sensor_state[v["id"].GetInt64()] = canonical(v);
    auto snap_r = parse(next(*c));
    REQUIRE(std::string(snap_r["type"].GetString()) == "snapshot");
    REQUIRE(std::string(snap_r["channel"].GetString()) == "readings");
    const std::uint64_t S_r = snap_r["seq"].GetUint64();
    for (const auto& v : snap_r["data"].GetArray()) {
      reading_state[v["sensor_id"].GetInt64()] = {v["id"].GetInt64(), v["timestamp"].GetString(),
                                                  canonical(v)};
    }
    CAPTURE(S_s);
    CAPTURE(S_r);

    // Exactly the stored events after each channel's S, in seq order.
    auto expected = stored_seqs(f.h->repo(), S_s, {channel::sensors});
    const auto more = stored_seqs(f.h->repo(), S_r, {channel::readings});
    expected.insert(expected.end(), more.begin(), more.end());
    std::sort(expected.begin(), expected.end());
    std::vector<std::uint64_t> got;
    while (got.size() < expected.size()) {
      auto d = parse(next(*c));
      REQUIRE(std::string(d["type"].GetString()) == "entity_event");
      got.push_back(d["seq"].GetUint64());
      auto& data = d["data"];
      const std::string type = d["event_type"].GetString();
      if (data.HasMember("updated_fields")) data.RemoveMember("updated_fields");
      if (std::string(d["channel"].GetString()) == "sensors") {
        sensor_state[data["id"].GetInt64()] = canonical(data);
        continue;
      }
      auto& cur = reading_state[data["sensor_id"].GetInt64()];
      const std::string ts = data["timestamp"].GetString();
      if (type == "created" ? (cur.id == 0 || ts > cur.ts) : cur.id == data["id"].GetInt64()) {
        cur = {data["id"].GetInt64(), ts, canonical(data)};
      }
    }
    CHECK(got == expected);
    expect_quiet(*c);

    // The reproduced state is the final state of the database.
    sensor_query all;
    all.limit = max_list_limit;
    std::map<std::int64_t, std::string> final_sensors;
    for (const auto& s : f.h->repo().list_sensors(all)) final_sensors[s.id] = canonical(to_json(s));
    CHECK(sensor_state == final_sensors);
    std::map<std::int64_t, std::string> final_readings, reproduced;
    for (const auto& s : sensors) {
      reading_query q;
      q.sensor_id = s.id;
      q.limit = 1;
      const auto newest = f.h->repo().list_readings(q);
      REQUIRE(newest.size() == 1);
      final_readings[s.id] = canonical(to_json(newest.front()));
    }
    for (const auto& [id, r] : reading_state) reproduced[id] = r.json;
    CHECK(reproduced == final_readings);
  }
}

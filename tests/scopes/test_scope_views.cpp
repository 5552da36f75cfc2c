// SPDX-License-Identifier: MIT
// Data scopes on the event side (SPEC §7.1): live delivery, `since` replay,
// /events history (hub::events) and snapshots give a scoped client the same
// view; filters are intersected with the scope, never widened; the
// unscoped path is untouched.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "sensorhub/codec.hpp"
#include "sensorhub/event_history.hpp"
#include "sensorhub/hub.hpp"
#include "sensorhub/local_event_bus.hpp"
#include "sensorhub/protocol.hpp"
#include "sensorhub/transports/loopback.hpp"
#include "support/json_dom.hpp"
#include "support/temp_dir.hpp"

using namespace sensorhub;
using namespace std::chrono_literals;
using lb_connection = loopback_transport::connection;

namespace {

// A started hub on a temp file with a loopback transport.
struct fixture {
  testing::temp_dir dir{"sensorhub-scope"};
  std::unique_ptr<hub> h;
  std::shared_ptr<loopback_transport> lb = std::make_shared<loopback_transport>();

  explicit fixture(std::shared_ptr<event_bus> bus = nullptr) {
    hub_options o;
    o.storage.path = dir.file("scope.db");
    o.bus = std::move(bus);
    h = std::make_unique<hub>(o);
    h->add_transport(lb);
    h->start();  // server_started is seq 1
  }
  std::shared_ptr<lb_connection> connect(const data_scope& scope,
                                         std::optional<std::uint64_t> since = {},
                                         event_filter filter = {}, bool snapshot = false) {
    session_options opts;
    opts.channels = {channel::sensors, channel::readings};
    opts.since = since;
    opts.filter = std::move(filter);
    opts.scope = scope;
    opts.snapshot = snapshot;
    return lb->connect(opts);
  }
  sensor add(const std::string& tipo, std::optional<std::string> ubicacion) {
    sensor_patch p;
    p.tipo = tipo;
    p.modelo = "M";
    p.ubicacion = std::move(ubicacion);
    return h->sensors().create(p);
  }
  void move(std::int64_t id, std::optional<std::string> ubicacion) {
    sensor_patch p;
    p.ubicacion = std::move(ubicacion);
    h->sensors().update(id, p);
  }
  void read(std::int64_t sensor_id, double v) {
    reading_patch p;
    p.sensor_id = sensor_id;
    p.valor = v;
    h->readings().create(p);
  }
};

data_scope at(std::vector<std::string> ubicaciones) {
  data_scope s;
  s.ubicacion = std::move(ubicaciones);
  return s;
}

std::string next(lb_connection& c) {
  auto m = c.receive(10s);
  REQUIRE_MESSAGE(m.has_value(), "no message within 10 s");
  return *m;
}

std::string field(const std::string& text, const char* name) {
  const auto d = testing::dom_object(text);
  REQUIRE(d.HasMember(name));
  return d[name].IsString() ? d[name].GetString() : std::to_string(d[name].GetUint64());
}

void skip_greeting(lb_connection& c) {
  CHECK(field(next(c), "type") == "connection_established");
  CHECK(field(next(c), "type") == "stats");
}

// Every message up to the pong answering a ping sent now: what was pending.
std::vector<std::string> drain(lb_connection& c) {
  c.send(R"({"type":"ping"})");
  std::vector<std::string> out;
  for (std::string m = next(c); field(m, "type") != "pong"; m = next(c)) out.push_back(m);
  return out;
}

std::vector<std::string> take(lb_connection& c, std::size_t n) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) out.push_back(next(c));
  return out;
}

std::vector<std::string> texts(const std::vector<event>& evs) {
  std::vector<std::string> out;
  for (const auto& e : evs) out.push_back(*e.json);
  return out;
}

std::vector<std::string> history(hub& h, std::uint64_t since, const data_scope& scope) {
  event_query q;
  q.since = since;
  q.channels = {channel::sensors, channel::readings};
  q.limit = 1000;
  return texts(h.events(q, scope));
}

// Sensor `lab` leaves the lab, changes while away, comes back; a second
// sensor on the roof and readings of both are written throughout.
struct round_trip {
  std::int64_t lab = 0;
  std::int64_t roof = 0;
  std::uint64_t before = 0;  // last seq before the round trip
};

round_trip make_round_trip(fixture& f) {
  round_trip r;
  r.lab = f.add("temperatura", "lab").id;
  r.roof = f.add("temperatura", "roof").id;
  r.before = f.h->repo().last_seq();
  f.read(r.lab, 1);
  f.read(r.roof, 2);
  f.move(r.lab, "roof");  // scope_left for the lab
  f.read(r.lab, 3);
  sensor_patch rename;
  rename.modelo = "away";
  f.h->sensors().update(r.lab, rename);
  f.move(r.lab, "lab");  // scope_entered, with the whole entity
  f.read(r.lab, 4);
  f.h->sensors().remove(r.roof);
  return r;
}

}  // namespace

TEST_CASE("a sensor leaving and re-entering a scope: live, replay and history agree") {
  fixture f;
  const data_scope lab = at({"lab"});
  auto live = f.connect(lab);
  auto everyone = f.connect(data_scope{});
  skip_greeting(*live);
  skip_greeting(*everyone);
  const round_trip r = make_round_trip(f);
  const auto seen = drain(*live);
  const auto all = drain(*everyone);

  // Live: the reading, scope_left, nothing while away, scope_entered, the reading.
  REQUIRE(seen.size() == 5);
  CHECK(field(seen[0], "event_type") == "created");  // the lab sensor; the roof one is hidden
  const auto tail = std::vector<std::string>(seen.begin() + 1, seen.end());
  CHECK(field(tail[0], "entity_type") == "lectura");
  CHECK(field(tail[1], "event_type") == "scope_left");
  CHECK(field(tail[2], "event_type") == "scope_entered");
  CHECK(field(tail[3], "entity_type") == "lectura");
  const auto entered = testing::dom_object(tail[2]);
  CHECK(entered["entity_id"].GetInt64() == r.lab);
  CHECK(std::string(entered["data"]["modelo"].GetString()) == "away");  // the full entity
  CHECK(std::string(entered["data"]["ubicacion"].GetString()) == "lab");
  CHECK(entered["seq"].GetUint64() > r.before);

  // Replay from before the creations and /events history: the same texts.
  auto replayed = f.connect(lab, std::uint64_t{1});
  skip_greeting(*replayed);
  CHECK(take(*replayed, seen.size()) == seen);
  CHECK(drain(*replayed).empty());
  CHECK(history(*f.h, 1, lab) == seen);

  // Unscoped: every stored event, byte for byte, the move as a plain update.
  const auto stored = history(*f.h, 1, data_scope{});
  CHECK(all == stored);
  CHECK(stored.size() == 10);
  event_query raw;
  raw.since = 1;
  raw.limit = 1000;
  raw.channels = {channel::sensors, channel::readings};
  CHECK(stored == texts(f.h->repo().events(raw)));
  CHECK(field(all[4], "event_type") == "updated");

  // The roof's view: its own sensor, then the lab sensor entering and leaving.
  const data_scope roof = at({"roof"});
  const auto roof_view = history(*f.h, r.before, roof);
  REQUIRE(roof_view.size() == 6);
  CHECK(field(roof_view[1], "event_type") == "scope_entered");
  CHECK(field(roof_view[2], "entity_type") == "lectura");  // read while on the roof
  CHECK(field(roof_view[3], "event_type") == "updated");   // renamed while on the roof
  CHECK(field(roof_view[4], "event_type") == "scope_left");
  CHECK(field(roof_view[5], "event_type") == "deleted");
}

TEST_CASE("the scope is ANDed into later subscribes, filters never widen it") {
  fixture f;
  const auto lab = f.add("temperatura", "lab").id;
  const auto roof = f.add("temperatura", "roof").id;
  event_filter only_roof;
  only_roof.sensor_id = {roof};
  auto c = f.connect(at({"lab"}), std::nullopt, only_roof);
  skip_greeting(*c);
  f.read(roof, 1);
  f.read(lab, 2);
  CHECK(drain(*c).empty());  // the filter names an out-of-scope sensor: nothing

  // A later subscribe with no filter: the whole scope, still not the roof.
  c->send(R"({"type":"subscribe","channel":"readings"})");
  CHECK(next(*c) == R"({"type":"subscribed","channels":["sensors","readings"]})");
  f.read(roof, 3);
  f.read(lab, 4);
  auto got = drain(*c);
  REQUIRE(got.size() == 1);
  CHECK(testing::dom_object(got[0])["data"]["sensor_id"].GetInt64() == lab);

  // Filters read the views: deleted matches scope_left, created scope_entered.
  c->send(R"({"type":"subscribe","channel":"sensors","filter":{"event_type":["deleted"]}})");
  CHECK(field(next(*c), "type") == "subscribed");
  f.move(lab, "roof");
  f.move(lab, "lab");
  got = drain(*c);
  REQUIRE(got.size() == 1);
  CHECK(field(got[0], "event_type") == "scope_left");
  c->send(R"({"type":"subscribe","channel":"sensors","filter":{"event_type":["created"]}})");
  CHECK(field(next(*c), "type") == "subscribed");
  f.move(lab, "roof");
  f.move(lab, "lab");
  got = drain(*c);
  REQUIRE(got.size() == 1);
  CHECK(field(got[0], "event_type") == "scope_entered");

  // A later subscribe with `since` replays scoped too.
  c->send(R"({"type":"unsubscribe","channel":"readings"})");
  CHECK(field(next(*c), "type") == "unsubscribed");
  c->send(R"({"type":"subscribe","channel":"readings","since":0})");
  CHECK(field(next(*c), "type") == "subscribed");
  got = take(*c, 2);  // the lab's readings 2 and 4
  for (const auto& m : got) {
    CHECK(testing::dom_object(m)["data"]["sensor_id"].GetInt64() == lab);
  }
  CHECK(drain(*c).empty());
}

TEST_CASE("snapshots hold only what the scope contains now, on connect and on subscribe") {
  fixture f;
  const auto lab = f.add("temperatura", "lab").id;
  const auto roof = f.add("temperatura", "roof").id;
  f.add("temperatura", std::nullopt);
  f.read(lab, 1);
  f.read(roof, 2);
  const auto S = f.h->repo().last_seq();
  auto c = f.connect(at({"lab"}), std::nullopt, {}, true);
  skip_greeting(*c);
  const auto sensors = testing::dom_object(next(*c));
  CHECK(sensors["seq"].GetUint64() == S);
  REQUIRE(sensors["data"].Size() == 1);
  CHECK(sensors["data"][0]["id"].GetInt64() == lab);
  const auto readings = testing::dom_object(next(*c));
  REQUIRE(readings["data"].Size() == 1);
  CHECK(readings["data"][0]["sensor_id"].GetInt64() == lab);

  c->send(R"({"type":"subscribe","channel":"sensors","snapshot":true,"filter":{"sensor_id":[)" +
          std::to_string(roof) + "]}}");
  CHECK(field(next(*c), "type") == "subscribed");
  CHECK(testing::dom_object(next(*c))["data"].Size() == 0);  // intersected: empty
  CHECK(drain(*c).empty());
}

TEST_CASE("history fills its limit with visible events and reports where it stopped") {
  fixture f;
  const auto lab = f.add("temperatura", "lab").id;
  const auto roof = f.add("temperatura", "roof").id;
  for (int i = 0; i < 600; ++i) f.read(roof, i);  // more than a scan page, all hidden
  for (int i = 0; i < 5; ++i) f.read(lab, i);
  event_query q;
  q.since = 0;
  q.limit = 3;
  q.channels = {channel::sensors, channel::readings};
  auto page = read_events(f.h->repo(), q, at({"lab"}));
  REQUIRE(page.events.size() == 3);
  CHECK(page.more);
  CHECK(page.events[0].entity_id == lab);  // the lab sensor's creation
  CHECK(page.cursor == page.events.back().seq);
  q.since = page.cursor;
  q.limit = 100;
  page = read_events(f.h->repo(), q, at({"lab"}));
  CHECK(page.events.size() == 3);  // the remaining readings
  CHECK_FALSE(page.more);
  CHECK(page.cursor == f.h->repo().last_seq());
  // /events: the same function, the same first page.
  q.since = 0;
  q.limit = 3;
  CHECK(f.h->events(q, at({"lab"})).size() == 3);
  CHECK(f.h->events(q).size() == 3);
}

namespace {

// A bus that knows nothing of scopes: event_bus::subscribe_scoped's default.
class plain_bus final : public event_bus {
 public:
  subscription subscribe(channel c, std::shared_ptr<subscriber> s, event_filter f) override {
    return inner_.subscribe(c, std::move(s), std::move(f));
  }
  using event_bus::publish;
  std::size_t publish(const std::vector<event>& evs) override { return inner_.publish(evs); }
  void set_error_handler(error_handler h) override { inner_.set_error_handler(std::move(h)); }
  hub_stats stats() const override { return inner_.stats(); }
  void note_dropped_subscriber() override { inner_.note_dropped_subscriber(); }

 private:
  local_event_bus inner_{null_log_sink()};
};

}  // namespace

TEST_CASE("a custom bus without scope support gets the same views through the default") {
  fixture f(std::make_shared<plain_bus>());
  auto live = f.connect(at({"lab"}));
  skip_greeting(*live);
  make_round_trip(f);
  const auto seen = drain(*live);
  CHECK(seen.size() == 5);
  CHECK(seen == history(*f.h, 1, at({"lab"})));
  // set_filter on the forwarding subscription: the filter reads the views.
  live->send(R"({"type":"subscribe","channel":"sensors","filter":{"event_type":["deleted"]}})");
  CHECK(field(next(*live), "type") == "subscribed");
  const auto s = f.add("temperatura", "lab").id;
  f.move(s, "roof");
  const auto got = drain(*live);
  REQUIRE(got.size() == 1);
  CHECK(field(got[0], "event_type") == "scope_left");
}

namespace {

// Records the JSON object (by address) and type of every delivery.
struct recorder final : subscriber {
  std::vector<const std::string*> texts;
  std::vector<event_type> types;
  void on_event(const event& e) override {
    texts.push_back(e.json.get());
    types.push_back(e.type);
  }
};

}  // namespace

TEST_CASE("fan-out: unscoped subscribers get the event itself, scoped ones a variant made once") {
  sensor s;
  s.id = 7;
  s.tipo = "temperatura";
  s.modelo = "M";
  s.ubicacion = "roof";
  entity_change change;
  change.type = event_type::updated;
  change.data = s;
  change.tipo = s.tipo;
  change.updated_fields = {"ubicacion"};
  change.before = scope_keys{"temperatura", std::string("lab")};
  const event e = make_entity_event(42, now(), change);
  REQUIRE(e.moved.get() != nullptr);

  local_event_bus bus(null_log_sink());
  std::vector<std::shared_ptr<recorder>> plain, lab, roof;
  std::vector<subscription> subs;
  for (int i = 0; i < 2; ++i) {
    plain.push_back(std::make_shared<recorder>());
    subs.push_back(bus.subscribe(channel::sensors, plain.back()));
    subs.push_back(bus.subscribe_scoped(channel::sensors, plain.back(), {}, data_scope{}));
    lab.push_back(std::make_shared<recorder>());
    subs.push_back(bus.subscribe_scoped(channel::sensors, lab.back(), {}, at({"lab"})));
  }
  roof.push_back(std::make_shared<recorder>());
  subs.push_back(bus.subscribe_scoped(channel::sensors, roof.back(), {}, at({"roof"})));
  auto cellar = std::make_shared<recorder>();
  subs.push_back(bus.subscribe_scoped(channel::sensors, cellar, {}, at({"cellar"})));

  CHECK(bus.publish(e) == 7);
  for (const auto& r : plain) {
    CHECK(r->texts == std::vector<const std::string*>{e.json.get(), e.json.get()});
    CHECK(r->types == std::vector<event_type>{event_type::updated, event_type::updated});
  }
  for (const auto& r : lab) {
    CHECK(r->texts == std::vector<const std::string*>{e.moved->left.json.get()});
    CHECK(r->types == std::vector<event_type>{event_type::scope_left});
  }
  CHECK(roof[0]->texts == std::vector<const std::string*>{e.moved->entered.json.get()});
  CHECK(cellar->texts.empty());
}

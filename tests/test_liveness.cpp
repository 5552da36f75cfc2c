// SPDX-License-Identifier: MIT
// Liveness in the hub (SPEC §13): staleness_policy, hub::status, and the
// checker's sensor_stale / sensor_fresh events, once per transition and
// across a restart on the same file.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "sensorhub/hub.hpp"
#include "support/gate.hpp"
#include "support/temp_dir.hpp"

using namespace sensorhub;
using namespace std::chrono_literals;

namespace {

hub_options options_for(const std::string& path) {
  hub_options o;
  o.storage.path = path;
  o.staleness.per_tipo["rapido"] = std::chrono::seconds(1);
  return o;
}

// Names of the liveness events seen on `general`, in order.
struct liveness_log {
  std::mutex m;
  std::vector<std::string> names;
  std::function<void(const event&)> fn() {
    return [this](const event& e) {
      if (e.name != "sensor_stale" && e.name != "sensor_fresh") return;
      std::lock_guard<std::mutex> lk(m);
      names.push_back(e.name);
    };
  }
  std::vector<std::string> get() {
    std::lock_guard<std::mutex> lk(m);
    return names;
  }
};

std::int64_t add_sensor(hub& h, const std::string& tipo) {
  sensor_patch p;
  p.tipo = tipo;
  p.modelo = "M";
  return h.sensors().create(p).id;
}

void add_reading(hub& h, std::int64_t sensor_id, timestamp at) {
  reading_patch p;
  p.sensor_id = sensor_id;
  p.valor = 1.0;
  p.timestamp = at;
  h.readings().create(p);
}

}  // namespace

TEST_CASE("staleness_policy: bounds per tipo, default, check interval") {
  staleness_policy p;
  CHECK_FALSE(p.enabled());
  CHECK_FALSE(is_stale(p, "x", now() - 1000s, now()));
  p.per_tipo["a"] = 8s;
  CHECK(p.enabled());
  CHECK(p.check_interval() == 2000ms);
  CHECK_FALSE(p.bound_for("b").has_value());
  p.default_bound = 3600s;
  CHECK(p.bound_for("b") == 3600s);
  const timestamp t = now();
  CHECK(is_stale(p, "a", t - 9s, t));
  CHECK_FALSE(is_stale(p, "a", t - 7s, t));
  CHECK_FALSE(is_stale(p, "a", std::nullopt, t));  // no reading: never stale
  p.per_tipo["fast"] = 1s;
  CHECK(p.check_interval() == 250ms);
}

TEST_CASE("the checker reports each transition once, and not again after a restart") {
  sensorhub::testing::temp_dir dir{"sensorhub-liveness"};
  const std::string path = dir.file("sensorhub.db");
  std::int64_t id = 0;
  {
    hub h(options_for(path));
    liveness_log log;
    auto sub = h.subscribe(channel::general, log.fn());
    h.start();
    id = add_sensor(h, "rapido");
    const std::int64_t other = add_sensor(h, "lento");
    add_reading(h, other, now() - 3600s);  // no bound for "lento"
    CHECK_FALSE(h.status(id)->stale);
    CHECK_FALSE(h.status(id)->last_reading_at.has_value());
    add_reading(h, id, now() - 10s);
    REQUIRE(sensorhub::testing::wait_until([&] { return log.get().size() == 1; }, 60s));
    CHECK(h.status(id)->stale);
    CHECK(h.stats().stale_sensors == 1);
    add_reading(h, id, now() + 600s);  // fresh for the rest of the test
    CHECK_FALSE(h.status(id)->stale);
    REQUIRE(sensorhub::testing::wait_until([&] { return log.get().size() == 2; }, 60s));
    CHECK(log.get() == std::vector<std::string>{"sensor_stale", "sensor_fresh"});
    CHECK(sensorhub::testing::wait_until([&] { return h.stats().stale_sensors == 0; }, 60s));
    CHECK_FALSE(h.status(other)->stale);
    CHECK_FALSE(h.status(999).has_value());
    h.stop();
  }
  // Going stale while down: drop the reading ahead, before the next start
  // (the checker starts with start()); then count the events over two starts.
  for (int start = 0; start < 2; ++start) {
    hub h(options_for(path));
    if (start == 0) {
      reading_query q;
      q.sensor_id = id;
      q.limit = 1;
      const auto newest = h.repo().list_readings(q);
      REQUIRE(newest.size() == 1);
      h.readings().remove(newest.front().id);
    }
    h.start();
    // A second sensor going stale proves a pass ran over both.
    const std::int64_t marker = add_sensor(h, "rapido");
    add_reading(h, marker, now() - 10s);
    event_query q;
    q.channels = {channel::general};
    q.limit = 1000;
    auto count = [&](const char* name, std::int64_t sensor) {
      std::size_t n = 0;
      for (const event& e : h.events(q)) {
        if (e.name == name &&
            e.json->find("\"sensor_id\":" + std::to_string(sensor) + ",") != std::string::npos) {
          ++n;
        }
      }
      return n;
    };
    REQUIRE(
        sensorhub::testing::wait_until([&] { return count("sensor_stale", marker) == 1; }, 60s));
    CHECK(count("sensor_stale", id) == 2);  // once before, once after the first restart
    CHECK(count("sensor_fresh", id) == 1);
    h.stop();
  }
}

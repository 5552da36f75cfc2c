// SPDX-License-Identifier: MIT
// End-to-end: liveness (SPEC §13) against the real daemon: GET
// /sensores/{id}/status, sensor_stale / sensor_fresh on `general` exactly
// once per transition (live, in /events, across restarts), the
// sensorhub_stale_sensors gauge. Staleness of 1 s for the tipo "rapido";
// every wait is on a condition with a generous timeout (loaded CI, sanitizers).

#include <chrono>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <string>
#include <vector>

#include "e2e_test_util.hpp"
#include "support/temp_dir.hpp"

using namespace sensorhub::e2e;
using namespace std::chrono_literals;

namespace {

constexpr auto long_wait = std::chrono::seconds(60);

// A config file with a 1 s bound for "rapido" and none for other tipos.
std::string staleness_config(const temp_dir& dir) {
  const std::string path = (dir.path() / "staleness.json").string();
  std::ofstream(path) << R"({"staleness": {"rapido": 1}})";
  return path;
}

std::vector<std::string> flags_with(const std::string& config) {
  std::vector<std::string> f = default_daemon_flags();
  f.push_back("--config");
  f.push_back(config);
  return f;
}

// RFC 3339 UTC for now + `ahead`.
std::string time_from_now(std::chrono::seconds ahead) {
  const std::time_t t =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + ahead);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

json_doc status_of(const daemon_process& d, std::int64_t id) {
  const http_response r = d.http().get("/api/v1/sensores/" + std::to_string(id) + "/status");
  INFO("status " << id << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == 200);
  json_doc j = r.json();
  REQUIRE(j.ok());
  return j;
}

// Reads messages until a system_event `name` for `sensor_id` arrives; REQUIREs it.
json_doc wait_event(ws_client& ws, const std::string& name, std::int64_t sensor_id) {
  const auto deadline = std::chrono::steady_clock::now() + long_wait;
  while (std::chrono::steady_clock::now() < deadline) {
    auto m = ws.recv_json(5s);
    if (!m) continue;
    REQUIRE(m->ok());
    if ((*m)["type"].str() == "system_event" && (*m)["event"].str() == name &&
        (*m)["data"]["sensor_id"].i64() == sensor_id) {
      return std::move(*m);
    }
  }
  FAIL("no " << name << " for sensor " << sensor_id);
  return json_doc();
}

// The persisted events `name` of `sensor_id` in /events.
std::vector<json_doc> stored(const daemon_process& d, const std::string& name,
                             std::int64_t sensor_id) {
  const json_doc all = d.http().get("/api/v1/events?channel=general&since=0&limit=1000").json();
  REQUIRE(all.root().is_array());
  std::vector<json_doc> out;
  for (std::size_t i = 0; i < all.root().size(); ++i) {
    if (all.at(i)["event"].str() == name && all.at(i)["data"]["sensor_id"].i64() == sensor_id) {
      out.push_back(json_doc::parse(all.at(i).dump()));
    }
  }
  return out;
}

std::optional<std::int64_t> stale_gauge(const daemon_process& d) {
  const std::string text = d.http().get("/metrics").body;
  const std::string key = "\nsensorhub_stale_sensors ";
  const auto at = text.find(key);
  if (at == std::string::npos) return std::nullopt;
  return std::stoll(text.substr(at + key.size()));
}

}  // namespace

TEST_CASE("status, one sensor_stale and one sensor_fresh per transition, the gauge") {
  temp_dir cfg_dir;
  daemon_process d(flags_with(staleness_config(cfg_dir)));
  const http_client h = d.http();
  ws_client ws = open_ws(d, "?channel=general");

  const std::int64_t fast = create_sensor(h, "rapido");
  const std::int64_t slow = create_sensor(h, "lento");  // no bound: never stale
  const json_doc empty = status_of(d, fast);
  CHECK(empty["sensor_id"].i64() == fast);
  CHECK(empty["last_reading_at"].is_null());
  CHECK(empty["last_valor"].is_null());
  CHECK(empty["stale"].boolean() == false);
  CHECK(empty.root().keys() ==
        std::set<std::string>{"sensor_id", "last_reading_at", "last_valor", "stale"});

  create_reading(h, slow, 1.5);
  create_reading(h, fast, 21.5);
  const json_doc stale = wait_event(ws, "sensor_stale", fast);
  CHECK(stale["seq"].i64().value_or(0) > 0);
  CHECK(stale["data"]["tipo"].str() == "rapido");
  const json_doc after = status_of(d, fast);
  CHECK(after["stale"].boolean() == true);
  CHECK(after["last_valor"].num() == 21.5);
  CHECK(stale["data"]["last_reading_at"].str() == after["last_reading_at"].str());
  CHECK(wait_until([&] { return stale_gauge(d) == 1; }, long_wait));

  // A reading stamped a minute ahead keeps the sensor fresh whatever the load.
  create_reading(h, fast, 22.0, ",\"timestamp\":\"" + time_from_now(60s) + "\"");
  CHECK(status_of(d, fast)["stale"].boolean() == false);
  const json_doc fresh = wait_event(ws, "sensor_fresh", fast);
  CHECK(fresh["seq"].i64().value_or(0) > stale["seq"].i64().value_or(0));
  CHECK(wait_until([&] { return stale_gauge(d) == 0; }, long_wait));

  // Several more checker passes (250 ms apart) report nothing new; the
  // unbounded tipo was never reported.
  std::this_thread::sleep_for(1500ms);
  CHECK(stored(d, "sensor_stale", fast).size() == 1);
  CHECK(stored(d, "sensor_fresh", fast).size() == 1);
  CHECK(stored(d, "sensor_stale", slow).empty());
  CHECK(status_of(d, slow)["stale"].boolean() == false);

  // Unknown sensor and bad id.
  CHECK(error_mismatch(h.get("/api/v1/sensores/999999/status"), 404, "not_found") == "");
  CHECK(error_mismatch_any(h.get("/api/v1/sensores/abc/status"),
                           {{400, "invalid_parameter"}, {404, "not_found"}}) == "");
  CHECK(healthy(d));
}

TEST_CASE("a sensor that went stale while the daemon was down is reported once") {
  temp_dir cfg_dir;
  const std::string config = staleness_config(cfg_dir);
  daemon_process d;  // no staleness yet: nothing is checked
  const std::int64_t quiet = create_sensor(d.http(), "rapido");
  create_reading(d.http(), quiet, 3.0);
  const std::int64_t later = create_sensor(d.http(), "rapido");
  d.terminate();
  REQUIRE(d.wait_exit(30s).has_value());
  std::this_thread::sleep_for(1100ms);  // past the 1 s bound while down

  d.restart(flags_with(config));
  {
    ws_client ws = open_ws(d, "?channel=general&since=0");
    wait_event(ws, "sensor_stale", quiet);
  }
  CHECK(stored(d, "sensor_stale", quiet).size() == 1);
  CHECK(status_of(d, quiet)["stale"].boolean() == true);

  d.terminate();
  REQUIRE(d.wait_exit(30s).has_value());
  d.restart(flags_with(config));
  // A stale event for another sensor after this start proves that a checker
  // pass ran over both; the first one must not be reported again.
  ws_client ws = open_ws(d, "?channel=general");
  create_reading(d.http(), later, 4.0);
  wait_event(ws, "sensor_stale", later);
  CHECK(stored(d, "sensor_stale", quiet).size() == 1);
  CHECK(stored(d, "sensor_fresh", quiet).empty());
  CHECK(wait_until([&] { return stale_gauge(d) == 2; }, long_wait));
  CHECK(healthy(d));
}

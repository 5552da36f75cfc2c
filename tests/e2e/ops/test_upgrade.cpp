// SPDX-License-Identifier: MIT
// End-to-end: the upgrade chain (docs/operations.md, "Upgrading"). The
// current daemon starts on a copy of tests/fixtures/sensorhub-v1.sqlite, a
// database written by the first release's schema (make_fixture_v1.sh), and
// must keep its data and tokens, continue seq above the fixture's, replay
// the old events on a `since` resume and leave the schema current.

#include <filesystem>
#include <string>
#include <vector>

#include "../e2e_test_util.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "sqlite_query.hpp"

using namespace sensorhub::e2e;

namespace {

namespace fs = std::filesystem;

const std::string fixtures = std::string(SENSORHUB_SOURCE_DIR) + "/tests/fixtures/";

header_list bearer(const std::string& token) { return {{"Authorization", "Bearer " + token}}; }

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

std::int64_t number(const std::string& db, const std::string& sql) {
  const std::string v = sqlite_query(db, sql);
  INFO(sql << " -> " << v);
  REQUIRE(!v.empty());
  REQUIRE(v.rfind("error", 0) != 0);
  return std::stoll(v);
}

std::vector<std::int64_t> seqs_of(const json_doc& arr) {
  std::vector<std::int64_t> out;
  for (std::size_t i = 0; i < arr.root().size(); ++i)
    out.push_back(arr.at(i)["seq"].i64().value_or(-1));
  return out;
}

}  // namespace

TEST_SUITE("upgrade") {
  TEST_CASE(
      "the current daemon upgrades a v1 database: data and tokens and seq and resume and schema") {
    temp_dir dir("sensorhub-upgrade");
    const std::string db = dir.file("sensorhub.db");
    fs::copy_file(fixtures + "sensorhub-v1.sqlite", db);
    const std::string token = trimmed(read_text_file(fixtures + "sensorhub-v1.token"));
    REQUIRE(!token.empty());

    // What the fixture holds, read before the daemon touches it.
    const std::int64_t old_seq = number(db, "SELECT max(seq) FROM events");
    REQUIRE(old_seq > 0);
    const std::int64_t old_version = number(db, "PRAGMA user_version");
    CHECK(old_version <= sensorhub::sqlite_repository::schema_version());
    const std::string sensor_rows = sqlite_query(db, "SELECT id FROM sensors ORDER BY id");
    const std::int64_t readings = number(db, "SELECT count(*) FROM lecturas");
    const std::vector<std::int64_t> old_sensor_events = [&] {
      std::vector<std::int64_t> v;
      std::istringstream in(
          sqlite_query(db, "SELECT seq FROM events WHERE channel = 'sensors' ORDER BY seq"));
      for (std::string l; std::getline(in, l);) v.push_back(std::stoll(l));
      return v;
    }();
    REQUIRE(old_sensor_events.size() >= 3);

    daemon_options o;
    o.db = db;
    o.flags = {};  // authentication on, as in production
    daemon_process d(o);
    const auto h = d.http();

    SUBCASE("data is there and the old token still authenticates") {
      CHECK(h.get("/api/v1/sensores/").status == 401);
      CHECK(h.request("GET", "/api/v1/sensores/", std::nullopt, bearer("not-" + token)).status ==
            401);
      const http_response list = h.request("GET", "/api/v1/sensores/", std::nullopt, bearer(token));
      INFO(list.body);
      REQUIRE(list.status == 200);
      std::string ids;
      for (std::size_t i = 0; i < list.json().root().size(); ++i) {
        ids +=
            (ids.empty() ? "" : "\n") + std::to_string(list.json().at(i)["id"].i64().value_or(-1));
      }
      CHECK(ids == sensor_rows);
      const http_response moved =
          h.request("GET", "/api/v1/sensores/3", std::nullopt, bearer(token));
      CHECK(moved.json()["ubicacion"].str() == "sotano");
      const http_response rl =
          h.request("GET", "/api/v1/lecturas/?limit=1000", std::nullopt, bearer(token));
      REQUIRE(rl.status == 200);
      CHECK(static_cast<std::int64_t>(rl.json().root().size()) == readings);
      // The token still has its admin scope.
      CHECK(h.request("GET", "/api/v1/tokens", std::nullopt, bearer(token)).status == 200);
    }

    SUBCASE("new events continue above the fixture's seq; since=<old seq> replays the old events") {
      const http_response created =
          h.request("POST", "/api/v1/sensores/", std::string(R"({"tipo":"viento","modelo":"new"})"),
                    bearer(token));
      INFO(created.body);
      REQUIRE(created.status == 201);
      const std::int64_t new_id = created.json()["id"].i64().value_or(-1);

      const http_response ev =
          h.request("GET", "/api/v1/events?since=" + std::to_string(old_seq) + "&channel=sensors",
                    std::nullopt, bearer(token));
      INFO(ev.body);
      REQUIRE(ev.status == 200);
      const auto fresh = seqs_of(ev.json());
      REQUIRE(fresh.size() == 1);
      CHECK(fresh[0] > old_seq);
      CHECK(ev.json().at(0)["data"]["id"].i64() == new_id);

      // A client that saw the first old event resumes and gets every later one.
      const std::int64_t from = old_sensor_events.front();
      ws_client ws =
          open_ws(d, "?channel=sensors&since=" + std::to_string(from) + "&token=" + token);
      std::vector<std::int64_t> replayed;
      while (replayed.size() < old_sensor_events.size()) {
        const auto m = ws.recv_json();
        REQUIRE(m.has_value());
        if ((*m)["type"].str() == "entity_event")
          replayed.push_back((*m)["seq"].i64().value_or(-1));
      }
      std::vector<std::int64_t> expected(old_sensor_events.begin() + 1, old_sensor_events.end());
      expected.push_back(fresh[0]);
      CHECK(replayed == expected);
    }

    SUBCASE("the schema is current after start") {
      CHECK(number(db, "PRAGMA user_version") == sensorhub::sqlite_repository::schema_version());
      CHECK(number(db, "SELECT version FROM schema_versions WHERE component = 'auth'") >= 1);
      CHECK(sqlite_query(db, "PRAGMA integrity_check") == "ok");
    }
    CHECK(healthy(d));
  }
}  // TEST_SUITE("upgrade")

// SPDX-License-Identifier: MIT
#pragma once

// Doctest glue for the end-to-end tests: printers for the support types,
// error-shape checks, and helpers that open greeted WebSocket connections.

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/daemon_process.hpp"
#include "support/gate.hpp"
#include "support/http_client.hpp"
#include "support/json.hpp"
#include "support/ws_client.hpp"

namespace doctest {
template <typename T>
struct StringMaker<std::optional<T>> {
  static String convert(const std::optional<T>& v) {
    if (!v) return "nullopt";
    std::ostringstream ss;
    ss << *v;
    return String(ss.str().c_str());
  }
};
template <>
struct StringMaker<std::set<std::string>> {
  static String convert(const std::set<std::string>& v) {
    std::string s = "{";
    for (const auto& e : v) s += (s.size() > 1 ? ", " : "") + e;
    return String((s + "}").c_str());
  }
};
template <>
struct StringMaker<std::vector<std::string>> {
  static String convert(const std::vector<std::string>& v) {
    std::string s = "[";
    for (const auto& e : v) s += (s.size() > 1 ? ", " : "") + e;
    return String((s + "]").c_str());
  }
};
}  // namespace doctest

namespace sensorhub::e2e {

// The shared test helpers (tests/support) are the e2e tests' vocabulary.
using namespace sensorhub::testing;

// "" when `r` is the SPEC §2 error: `status`, a JSON object with string
// "error" == code and string "detail" (and for 422 an object "fields" that,
// if `field` is given, names it). Otherwise a description of the mismatch.
inline std::string error_mismatch(const http_response& r, int status, const std::string& code,
                                  const char* field = nullptr) {
  std::string why;
  if (r.status != status)
    why += "status " + std::to_string(r.status) + " != " + std::to_string(status) + "; ";
  const json_doc j = r.json();
  if (!j.ok()) {
    why += "body is not JSON (" + j.error() + "); ";
  } else {
    if (j["error"].str() != code) why += "error " + j["error"].str() + " != " + code + "; ";
    if (!j["detail"].is_string()) why += "detail missing or not a string; ";
    if (status == 422) {
      if (!j["fields"].is_object()) {
        why += "422 without a fields object; ";
      } else if (field != nullptr && !j["fields"][field].exists()) {
        why += std::string("fields does not name '") + field + "'; ";
      }
    }
  }
  const std::string ct = r.header("content-type");
  if (ct.find("application/json") == std::string::npos) why += "content-type '" + ct + "'; ";
  if (!why.empty()) why += "body: " + r.body.substr(0, 400);
  return why;
}

// Same, but several statuses/codes are acceptable (e.g. 400 invalid_parameter or 404 not_found).
inline std::string error_mismatch_any(const http_response& r,
                                      const std::vector<std::pair<int, std::string>>& allowed) {
  std::string all;
  for (const auto& [status, code] : allowed) {
    const std::string why = error_mismatch(r, status, code);
    if (why.empty()) return "";
    all += "[" + why + "] ";
  }
  return all;
}

// /healthz answers 200 {"status":"ok"} and stderr holds no sanitizer report.
inline bool healthy(const daemon_process& d) {
  const std::string report = d.sanitizer_report();
  if (!report.empty()) {
    MESSAGE("sanitizer report from sensorhubd:\n" << report);
    return false;
  }
  try {
    const http_response r = d.http().get("/healthz");
    const json_doc j = r.json();
    return r.status == 200 && j["status"].str() == "ok";
  } catch (const std::exception&) {
    return false;
  }
}

// Opens a WebSocket and consumes (and checks the types of) the two greetings.
inline ws_client open_ws(const daemon_process& d, const std::string& query,
                         json_doc* established = nullptr) {
  ws_client c;
  const ws_handshake hs = c.connect(d.host(), d.port(), "/api/v1/ws" + query);
  INFO("handshake " << query << ": " << hs.response.status << " " << hs.problem << " "
                    << hs.response.body);
  REQUIRE(hs.upgraded);
  auto first = c.recv_json();
  REQUIRE(first.has_value());
  REQUIRE(first->ok());
  CHECK((*first)["type"].str() == "connection_established");
  auto second = c.recv_json();
  REQUIRE(second.has_value());
  CHECK((*second)["type"].str() == "stats");
  if (established != nullptr) *established = std::move(*first);
  return c;
}

// Sends a ping and returns the text of every message received before the pong
// (REQUIREs the pong). Used to prove that nothing else was queued.
inline std::vector<std::string> drain_until_pong(ws_client& c) {
  c.send_text(R"({"type":"ping"})");
  std::vector<std::string> before;
  for (;;) {
    auto m = c.recv_json();
    REQUIRE(m.has_value());
    if ((*m)["type"].str() == "pong") return before;
    before.push_back(m->text());
  }
}

// POSTs a JSON body and REQUIREs 201 with a JSON object; returns it.
inline json_doc post_created(const http_client& h, const std::string& path,
                             const std::string& body) {
  const http_response r = h.post(path, body);
  INFO("POST " << path << " " << body << " -> " << r.status << " " << r.body);
  REQUIRE(r.status == 201);
  json_doc j = r.json();
  REQUIRE(j.ok());
  return j;
}

inline std::int64_t create_sensor(const http_client& h, const std::string& tipo = "temperatura",
                                  const std::string& modelo = "DHT22",
                                  const std::string& prefix = "/api/v1/sensores/") {
  const json_doc j = post_created(
      h, prefix, "{\"tipo\":" + json_quote(tipo) + ",\"modelo\":" + json_quote(modelo) + "}");
  const auto id = j["id"].i64();
  REQUIRE(id.has_value());
  return *id;
}

inline std::int64_t create_reading(const http_client& h, std::int64_t sensor_id, double valor,
                                   const std::string& extra = "") {
  std::ostringstream body;
  body << "{\"sensor_id\":" << sensor_id << ",\"valor\":" << valor << extra << "}";
  const json_doc j = post_created(h, "/api/v1/lecturas/", body.str());
  const auto id = j["id"].i64();
  REQUIRE(id.has_value());
  return *id;
}

// Stops `d` and starts it again keeping only the newest `keep` events of
// its history (the first prune runs at start), so a resume from an early seq
// gets resume_failed. Returns the oldest seq still kept.
inline std::int64_t restart_with_short_history(daemon_process& d, int keep = 10) {
  d.terminate();
  REQUIRE(d.wait_exit(std::chrono::seconds(30)).has_value());
  const std::string config = (d.dir() / "retention.json").string();
  std::ofstream(config) << R"({"storage":{"retention_events":)" << keep
                        << R"(,"prune_interval_s":1}})";
  std::vector<std::string> flags = default_daemon_flags();
  flags.push_back("--config");
  flags.push_back(config);
  d.restart(flags);
  std::int64_t oldest = 0;
  REQUIRE(wait_until(
      [&] {
        const json_doc all = d.http().get("/api/v1/events?since=0&limit=1000").json();
        if (!all.root().is_array() || all.root().size() == 0) return false;
        oldest = all.at(0)["seq"].i64().value_or(0);
        // `keep` kept, plus at most the new server_started
        return all.root().size() <= static_cast<std::size_t>(keep) + 1;
      },
      std::chrono::seconds(30)));
  return oldest;
}

}  // namespace sensorhub::e2e

// SPDX-License-Identifier: MIT
// Loading the daemon's JSON config file: every key, comments and trailing
// commas, and bad values refused with a message naming the key.
#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "config/config.hpp"
#include "temp_file.hpp"

using namespace sensorhubd;
using sensorhubd::testing::temp_file;

namespace {

// Loads `text` into a default config; returns the error ("" when accepted).
std::string load(const std::string& text, daemon_config& cfg) {
  const temp_file f(text);
  const std::string err = load_config_file(f.path(), cfg);
  if (!err.empty()) CHECK(err.rfind(f.path() + ": ", 0) == 0);  // names the file
  return err;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("a full config file is applied") {
  daemon_config cfg;
  const std::string err = load(R"({
    "host": "0.0.0.0", "port": 9000, "db": "/var/lib/x.db",
    "test_endpoints": true, "no_auth": true, "no_public_ws": true,
    "allowed_origins": ["https://a.example", "https://b.example"],
    "log_level": "debug", "workers": 8, "network": {"threads": 3},
    "limits": {"idle_timeout_ms": 300, "max_header_bytes": 4096, "max_body_bytes": 2048, "max_message_bytes": 4096, "ping_interval_s": 5,
               "pong_timeout_s": 3, "write_rate_per_s": 2.5, "write_burst": 7,
               "max_connections_per_address": 0, "total_backlog_bytes": 6291456,
               "sse_keepalive_ms": 250},
    "storage": {"synchronous": "full", "retention_events": 1000, "retention_age_s": 86400,
                "readings_retention_s": 604800, "rollup_retention_s": 31622400,
                "prune_interval_s": 30}
  })",
                               cfg);
  REQUIRE(err.empty());
  CHECK(cfg.host == "0.0.0.0");
  CHECK(cfg.port == 9000);
  CHECK(cfg.db == "/var/lib/x.db");
  CHECK(cfg.test_endpoints);
  CHECK(cfg.no_auth);
  CHECK(cfg.auth.no_public_ws);
  CHECK(cfg.auth.allowed_origins ==
        std::vector<std::string>{"https://a.example", "https://b.example"});
  CHECK(cfg.log_level == "debug");
  CHECK(cfg.workers == 8);
  CHECK(cfg.limits.max_body_bytes == 2048);
  CHECK(cfg.limits.max_message_bytes == 4096);
  CHECK(cfg.limits.ping_interval == std::chrono::seconds(5));
  CHECK(cfg.limits.pong_timeout == std::chrono::seconds(3));
  CHECK(cfg.limits.write_rate_per_s == doctest::Approx(2.5));
  CHECK(cfg.limits.write_burst == doctest::Approx(7));
  CHECK(cfg.limits.max_connections_per_address == 0);
  CHECK(cfg.limits.sse_keepalive == std::chrono::milliseconds(250));
  CHECK(cfg.limits.total_backlog_bytes == 6291456);
  CHECK(cfg.network_threads == 3);
  CHECK(cfg.limits.idle_timeout == std::chrono::milliseconds(300));
  CHECK(cfg.limits.max_header_bytes == 4096);
  CHECK(cfg.storage.synchronous_full);
  CHECK(cfg.storage.retention_events == 1000);
  CHECK(cfg.storage.retention_age == std::chrono::seconds(86400));
  CHECK(cfg.storage.readings_retention == std::chrono::seconds(604800));
  CHECK(cfg.storage.rollup_retention == std::chrono::seconds(31622400));
  CHECK(cfg.storage.prune_interval == std::chrono::seconds(30));
  // Keys not in the file keep their defaults.
  CHECK(cfg.limits.max_batch_body_bytes == daemon_limits{}.max_batch_body_bytes);
}

TEST_CASE("comments and trailing commas are allowed") {
  daemon_config cfg;
  const std::string err = load(R"(// production settings
{
  "port": 8100,  // behind the proxy
  /* the shared volume */ "db": "/data/s.db",
  "allowed_origins": ["https://a.example",],
  "limits": {"max_connections": 500,},
})",
                               cfg);
  REQUIRE_MESSAGE(err.empty(), err);
  CHECK(cfg.port == 8100);
  CHECK(cfg.db == "/data/s.db");
  CHECK(cfg.auth.allowed_origins == std::vector<std::string>{"https://a.example"});
  CHECK(cfg.limits.max_connections == 500);
}

TEST_CASE("an empty object keeps every default") {
  daemon_config cfg;
  CHECK(load("{}", cfg).empty());
  CHECK(cfg.host == "127.0.0.1");
  CHECK(cfg.port == 8000);
  CHECK(cfg.db == "sensorhub.db");
  CHECK(cfg.network_threads == 0);  // one per core
  CHECK(cfg.limits.idle_timeout == std::chrono::seconds(60));
  CHECK(cfg.limits.max_header_bytes == 16384);
  CHECK(cfg.limits.max_connections_per_address == 256);
  CHECK(cfg.limits.total_backlog_bytes == 256u << 20);
}

TEST_CASE("issue 10 limits: header timeout, body budget, bursts of 0 (no limit)") {
  daemon_config cfg;
  CHECK(cfg.limits.max_buffered_body_bytes == 64u << 20);
  CHECK(cfg.limits.header_timeout == std::chrono::milliseconds(5000));
  const std::string err = load(R"({"limits": {"header_timeout_ms": 700,
      "max_buffered_body_bytes": 0, "write_burst": 0, "message_burst": 0,
      "shared_message_burst": 0}})",
                               cfg);
  REQUIRE(err.empty());
  CHECK(cfg.limits.header_timeout == std::chrono::milliseconds(700));
  CHECK(cfg.limits.max_buffered_body_bytes == 0);
  CHECK(cfg.limits.write_burst == 0);
  CHECK(cfg.limits.message_burst == 0);
  CHECK(cfg.limits.shared_message_burst == 0);
  daemon_config bad;
  CHECK(contains(load(R"({"limits": {"header_timeout_ms": 0}})", bad),
                 "limits.header_timeout_ms: must be an integer"));
  CHECK(contains(load(R"({"limits": {"max_buffered_body_bytes": -1}})", bad),
                 "limits.max_buffered_body_bytes: must be an integer"));
}

TEST_CASE("staleness: seconds per tipo and a default (SPEC 13)") {
  daemon_config cfg;
  CHECK_FALSE(cfg.staleness.enabled());
  REQUIRE(load(R"({"staleness": {"default": 600, "temperatura": 60, "humedad": 2}})", cfg) == "");
  CHECK(cfg.staleness.enabled());
  CHECK(cfg.staleness.default_bound == std::chrono::seconds(600));
  CHECK(cfg.staleness.bound_for("temperatura") == std::chrono::seconds(60));
  CHECK(cfg.staleness.bound_for("humedad") == std::chrono::seconds(2));
  CHECK(cfg.staleness.bound_for("presion") == std::chrono::seconds(600));
  CHECK(cfg.staleness.check_interval() == std::chrono::milliseconds(500));

  daemon_config only_tipo;
  REQUIRE(load(R"({"staleness": {"temperatura": 120}})", only_tipo) == "");
  CHECK(only_tipo.staleness.bound_for("temperatura") == std::chrono::seconds(120));
  CHECK_FALSE(only_tipo.staleness.bound_for("presion").has_value());
  CHECK(only_tipo.staleness.check_interval() == std::chrono::milliseconds(30000));

  daemon_config grouped;  // the tipos may also be grouped under "tipos"
  REQUIRE(load(R"({"staleness": {"default_s": 90, "tipos": {"default": 5, "viento": 7}}})",
               grouped) == "");
  CHECK(grouped.staleness.default_bound == std::chrono::seconds(90));
  CHECK(grouped.staleness.bound_for("default") == std::chrono::seconds(5));
  CHECK(grouped.staleness.bound_for("viento") == std::chrono::seconds(7));
}

TEST_CASE("bad values are refused with a message naming the key") {
  struct bad_case {
    const char* text;
    const char* message;
  };
  const bad_case cases[] = {
      {R"({"port": 65536})", "port: must be an integer between 0 and 65535"},
      {R"({"port": "80"})", "port: must be an integer between 0 and 65535"},
      {R"({"port": -1})", "port: must be an integer between 0 and 65535"},
      {R"({"workers": 0})", "workers: must be an integer between 1 and 64"},
      {R"({"host": ""})", "host: must be a non-empty string"},
      {R"({"db": 3})", "db: must be a non-empty string"},
      {R"({"no_auth": "yes"})", "no_auth: must be true or false"},
      {R"({"log_level": "verbose"})", "log_level: must be debug, info, warn or error"},
      {R"({"allowed_origins": "https://a"})", "allowed_origins: must be an array"},
      {R"({"allowed_origins": [""]})", "allowed_origins: must be an array of non-empty strings"},
      {R"({"limits": {"max_message_bytes": 10}})", "limits.max_message_bytes: must be an integer"},
      {R"({"limits": {"write_rate_per_s": -1}})", "limits.write_rate_per_s: must be a number"},
      {R"({"limits": {"total_backlog_bytes": -1}})",
       "limits.total_backlog_bytes: must be an integer"},
      {R"({"limits": {"bogus": 1}})", "limits.bogus: unknown setting"},
      {R"({"limits": []})", "limits: must be an object"},
      {R"({"storage": {"synchronous": "fast"}})", "storage.synchronous: must be"},
      {R"({"storage": {"prune_interval_s": 0}})", "storage.prune_interval_s: must be an integer"},
      {R"({"storage": {"readings_retention_s": -1}})",
       "storage.readings_retention_s: must be an integer"},
      {R"({"storage": {"rollup_retention_s": "1d"}})",
       "storage.rollup_retention_s: must be an integer"},
      {R"({"network": {"threads": 257}})", "network.threads: must be an integer between 0 and 256"},
      {R"({"network": {"thread": 2}})", "network.thread: unknown setting"},
      {R"({"network": 2})", "network: must be an object"},
      {R"({"limits": {"idle_timeout_ms": 0}})", "limits.idle_timeout_ms: must be an integer"},
      {R"({"limits": {"max_header_bytes": 100}})", "limits.max_header_bytes: must be an integer"},
      {R"({"staleness": 60})", "staleness: must be an object"},
      {R"({"staleness": {"default": 0}})", "staleness.default: must be an integer between 1"},
      {R"({"staleness": {"temperatura": "60"}})", "staleness.temperatura: must be an integer"},
      {R"({"staleness": {"temperatura": -5}})", "staleness.temperatura: must be an integer"},
      {R"({"staleness": {"": 5}})", "staleness: a tipo must have 1 to 64 characters"},
      {R"({"staleness": {"tipos": {"viento": 0}}})", "staleness.tipos.viento: must be an integer"},
      {R"({"prot": 8000})", "prot: unknown setting"},
      {R"([1, 2])", "must hold a JSON object"},
      {R"({ not json)", "invalid JSON at offset"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    daemon_config cfg;
    const std::string err = load(c.text, cfg);
    CHECK(contains(err, c.message));
  }
}

TEST_CASE("a missing file is refused") {
  daemon_config cfg;
  const std::string err = load_config_file("/nonexistent/sensorhubd.json", cfg);
  CHECK(contains(err, "cannot read config file /nonexistent/sensorhubd.json"));
}

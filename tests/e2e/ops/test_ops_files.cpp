// SPDX-License-Identifier: MIT
// docs/ops/: the example Grafana dashboard and the Prometheus alert rules
// select only metrics the real daemon exports (names taken from its
// /metrics after some traffic), and use only known PromQL functions.
// `promtool check rules` runs in check_alerts.sh (skipped without promtool).

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "../e2e_test_util.hpp"
#include "metrics_text.hpp"
#include "promql_names.hpp"

using namespace sensorhub::e2e;

namespace {

const std::string source_dir = SENSORHUB_SOURCE_DIR;

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  REQUIRE_MESSAGE(in.good(), "cannot read " << path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// The names in the /metrics of a daemon that served a write, a 404 and a
// WebSocket delivery (so every labelled family has samples).
std::set<std::string> exported_names() {
  daemon_process d;
  const auto h = d.http();
  auto ws = open_ws(d, "?channel=sensors");
  create_sensor(h);
  CHECK(h.get("/api/v1/sensores/424242").status == 404);
  const auto msg = ws.recv_json();
  REQUIRE(msg.has_value());
  const http_response r = h.get("/metrics");
  REQUIRE(r.status == 200);
  auto names = metric_names(r.body);
  names.insert("up");  // Prometheus' own per target
  return names;
}

const std::set<std::string> promql_functions{"sum",          "avg",           "min",
                                             "max",          "count",         "rate",
                                             "irate",        "increase",      "histogram_quantile",
                                             "time",         "abs",           "clamp_min",
                                             "topk",         "delta",         "deriv",
                                             "label_values", "avg_over_time", "max_over_time"};
const std::set<std::string> promql_keywords{"and", "or", "unless", "bool", "offset"};

void check_expr(const std::string& where, const std::string& expr,
                const std::set<std::string>& exported, std::set<std::string>& used) {
  INFO(where << ": " << expr);
  const auto ids = scan_promql(expr);
  for (const auto& f : ids.functions) {
    CAPTURE(f);
    CHECK(promql_functions.count(f) == 1);
  }
  bool selects = false;
  for (const auto& n : ids.names) {
    if (promql_keywords.count(n) != 0) continue;
    CAPTURE(n);
    CHECK(exported.count(n) == 1);
    used.insert(n);
    selects = true;
  }
  CHECK(selects);
}

// The `expr:` values of a rules file: one line, or a `|` block.
std::vector<std::string> rule_exprs(const std::string& yaml) {
  std::vector<std::string> out;
  std::istringstream in(yaml);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const auto at = lines[i].find("expr:");
    if (at == std::string::npos || lines[i].find('#') < at) continue;
    std::string value = lines[i].substr(at + 5);
    if (value.find('|') != std::string::npos) {
      value.clear();
      const std::size_t indent = at;
      for (++i; i < lines.size(); ++i) {
        const auto first = lines[i].find_first_not_of(' ');
        if (first == std::string::npos) continue;
        if (first <= indent) {
          --i;
          break;
        }
        value += lines[i] + "\n";
      }
    }
    out.push_back(value);
  }
  return out;
}

}  // namespace

TEST_CASE("the PromQL scanner finds metric names and functions") {
  const auto ids = scan_promql(
      R"(histogram_quantile(0.99, sum by (le, route) (rate(a_b_bucket{job=~"$job", x="}"}[$__rate_interval]))) / on(instance) c > 2 * 1024 and time() - d offset 5m)");
  CHECK(ids.functions == std::set<std::string>{"histogram_quantile", "sum", "rate", "time"});
  CHECK(ids.names == std::set<std::string>{"a_b_bucket", "c", "and", "d", "offset"});
}

TEST_CASE("the Grafana dashboard is valid JSON and selects only exported metrics") {
  const auto exported = exported_names();
  const json_doc dash = json_doc::parse(read_file(source_dir + "/docs/ops/grafana-dashboard.json"));
  REQUIRE_MESSAGE(dash.ok(), dash.error());
  CHECK(!dash["title"].str().empty());
  const jv panels = dash["panels"];
  REQUIRE(panels.is_array());
  REQUIRE(panels.size() > 0);
  std::set<std::string> used;
  std::set<std::int64_t> ids;
  for (std::size_t p = 0; p < panels.size(); ++p) {
    const jv panel = panels.at(p);
    CHECK(ids.insert(panel["id"].i64().value_or(-1)).second);
    CHECK(panel["gridPos"].is_object());
    const jv targets = panel["targets"];
    REQUIRE(targets.is_array());
    CHECK(targets.size() > 0);
    for (std::size_t t = 0; t < targets.size(); ++t) {
      check_expr(panel["title"].str(), targets.at(t)["expr"].str(), exported, used);
    }
  }
  const jv vars = dash["templating"]["list"];
  for (std::size_t v = 0; v < vars.size(); ++v) {
    if (vars.at(v)["type"].str() != "query") continue;
    // label_values(SELECTOR, LABEL): the selector is PromQL, the label is not.
    std::string q = vars.at(v)["query"].str();
    const auto comma = q.rfind(',');
    if (q.rfind("label_values(", 0) == 0 && comma != std::string::npos)
      q = q.substr(0, comma) + ")";
    check_expr("variable " + vars.at(v)["name"].str(), q, exported, used);
  }
  // What the dashboard is for (docs/operations.md).
  for (const char* n : {"sensorhub_http_requests_total", "sensorhub_write_latency_seconds_bucket",
                        "sensorhub_delivery_queue_seconds_bucket", "sensorhub_ws_connections",
                        "sensorhub_dropped_subscribers_total", "sensorhub_conflated_total",
                        "process_resident_memory_bytes", "process_open_fds", "process_max_fds"}) {
    CAPTURE(n);
    CHECK(used.count(n) == 1);
  }
}

TEST_CASE("the alert rules select only exported metrics") {
  const auto exported = exported_names();
  const std::string yaml = read_file(source_dir + "/docs/ops/alerts.yml");
  const auto exprs = rule_exprs(yaml);
  CHECK(exprs.size() >= 5);
  std::set<std::string> used;
  for (const auto& e : exprs) check_expr("alerts.yml", e, exported, used);
  for (const char* n :
       {"up", "sensorhub_write_latency_seconds_bucket", "sensorhub_dropped_subscribers_total",
        "process_open_fds", "process_max_fds", "process_resident_memory_bytes"}) {
    CAPTURE(n);
    CHECK(used.count(n) == 1);
  }
}

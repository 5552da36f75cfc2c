// SPDX-License-Identifier: MIT
// docs/openapi.json against the daemon's own route table (add_all_routes,
// what sensorhubd builds): every route served is documented and every
// documented operation is served. Fails when a route is added on one side.
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <utility>

#include "obs/metrics.hpp"
#include "rest/routes.hpp"
#include "sensorhub/hub.hpp"
#include "temp_file.hpp"

using namespace sensorhubd;

namespace {

using op_set = std::set<std::pair<std::string, std::string>>;

std::string upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return s;
}

// (METHOD, path) of every operation in docs/openapi.json.
op_set openapi_operations() {
  const std::string path = std::string(SENSORHUB_SOURCE_DIR) + "/docs/openapi.json";
  std::ifstream in(path, std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "cannot read ", path);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  rapidjson::Document doc;
  doc.Parse(text.data(), text.size());
  REQUIRE_MESSAGE(!doc.HasParseError(), path, " is not valid JSON");
  REQUIRE(doc.HasMember("paths"));
  static const std::set<std::string> methods = {"get",   "put",  "post",    "delete",
                                                "patch", "head", "options", "trace"};
  op_set out;
  for (const auto& p : doc["paths"].GetObject()) {
    for (const auto& m : p.value.GetObject()) {
      const std::string method = m.name.GetString();
      if (methods.count(method) != 0) out.emplace(upper(method), p.name.GetString());
    }
  }
  return out;
}

// The daemon's table with --test-endpoints (its largest).
op_set daemon_routes() {
  testing::temp_file db("", "routes.db");
  daemon_config cfg;
  cfg.db = db.path();
  cfg.test_endpoints = true;
  sensorhub::hub_options ho;
  ho.storage.path = cfg.db;
  ho.workers = 1;
  sensorhub::hub hub(ho);
  metrics counters;
  app a{hub, counters, cfg};
  security guard(cfg);
  sensorhub::sse_transport sse;
  router r;
  add_all_routes(r, a, guard, sse);
  op_set out;
  for (auto& route : r.routes()) out.insert(std::move(route));
  return out;
}

std::string list(const op_set& ops) {
  std::string s;
  for (const auto& [m, p] : ops) s += "\n  " + m + " " + p;
  return s;
}

}  // namespace

TEST_CASE(
    "every route the daemon serves is in docs/openapi.json, and every operation there is served") {
  const op_set served = daemon_routes();
  const op_set documented = openapi_operations();
  REQUIRE(served.size() > 20);
  op_set undocumented;
  std::set_difference(served.begin(), served.end(), documented.begin(), documented.end(),
                      std::inserter(undocumented, undocumented.end()));
  op_set unserved;
  std::set_difference(documented.begin(), documented.end(), served.begin(), served.end(),
                      std::inserter(unserved, unserved.end()));
  CHECK_MESSAGE(undocumented.empty(), "served but not in docs/openapi.json:", list(undocumented));
  CHECK_MESSAGE(unserved.empty(), "in docs/openapi.json but not served:", list(unserved));
}

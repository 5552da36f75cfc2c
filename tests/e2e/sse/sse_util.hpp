// SPDX-License-Identifier: MIT
#pragma once

// Helpers of the SSE e2e tests: opening a stream on the real daemon and
// reading its greeting and events.

#include <cstdint>
#include <string>
#include <vector>

#include "../e2e_test_util.hpp"
#include "sse_client.hpp"

namespace sensorhub::e2e {

inline constexpr const char* sse_path = "/api/v1/events/stream";

// Opens `/api/v1/events/stream<query>`, REQUIREs a 200 event stream and
// consumes the greeting (connection_established, stats: no id).
inline sse_client open_sse(const daemon_process& d, const std::string& query,
                           const header_list& headers = {}) {
  sse_client c(d.host(), d.port(), sse_path + query, headers);
  INFO("GET " << query << ": " << c.response().status << " " << c.response().body);
  REQUIRE(c.streaming());
  for (const char* type : {"connection_established", "stats"}) {
    const auto r = c.next_event();
    REQUIRE(r.has_value());
    CHECK(r->event == type);
    CHECK_FALSE(r->id.has_value());
    CHECK(json_doc::parse(r->data)["type"].str() == type);
  }
  return c;
}

// The next record that is an entity event, checked against SPEC §10: its
// id is the seq of its data, its name is the data's type.
inline json_doc next_entity(sse_client& c) {
  const auto r = c.next_event();
  REQUIRE(r.has_value());
  INFO("record " << r->event << " id " << r->id.value_or("-") << ": " << r->data);
  REQUIRE(r->event == "entity_event");
  json_doc j = json_doc::parse(r->data);
  REQUIRE(j.ok());
  CHECK(j["type"].str() == "entity_event");
  CHECK(r->seq() == j["seq"].i64());
  return j;
}

// The seqs of GET /api/v1/events?channel=..&since=.. (all pages).
inline std::vector<std::int64_t> stored_seqs(const http_client& h, const std::string& channels,
                                             std::int64_t since) {
  std::vector<std::int64_t> out;
  for (;;) {
    const http_response r = h.get("/api/v1/events?channel=" + channels +
                                  "&since=" + std::to_string(since) + "&limit=1000");
    REQUIRE(r.status == 200);
    const json_doc j = r.json();
    if (j.root().size() == 0) return out;
    for (std::size_t i = 0; i < j.root().size(); ++i) {
      since = j.at(i)["seq"].i64().value_or(0);
      out.push_back(since);
    }
  }
}

}  // namespace sensorhub::e2e

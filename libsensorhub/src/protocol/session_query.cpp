// SPDX-License-Identifier: MIT
#include "sensorhub/protocol/session_query.hpp"

#include <algorithm>
#include <array>

#include "sensorhub/error.hpp"
#include "sensorhub/protocol.hpp"

namespace sensorhub {

namespace {

constexpr std::array<std::string_view, 9> known_keys{"channel",    "since",     "snapshot",
                                                     "token",      "entity_id", "sensor_id",
                                                     "event_type", "tipo",      "conflate"};

[[noreturn]] void bad(const std::string& detail) { throw error(errc::invalid_parameter, detail); }

std::string single(const query_params& q, const std::string& key) {
  if (q.count(key) > 1) bad(key + ": given more than once");
  return q.find(key)->second;
}

}  // namespace

session_query parse_session_query(std::string_view raw_query) {
  const query_params q = parse_query_string(raw_query);
  for (const auto& kv : q) {
    if (std::find(known_keys.begin(), known_keys.end(), kv.first) == known_keys.end()) {
      bad("unknown query parameter '" + kv.first + "'");
    }
  }

  session_query out;
  auto& chans = out.session.channels;
  chans.clear();
  for (const auto& name : param_values(q, "channel")) {
    const auto c = parse_channel(name);
    if (!c) bad("channel: unknown channel '" + name + "' (sensors, readings or general)");
    if (std::find(chans.begin(), chans.end(), *c) == chans.end()) chans.push_back(*c);
  }
  if (chans.empty()) chans.push_back(channel::general);

  if (q.count("since") != 0) {
    const auto n = parse_uint(single(q, "since"));
    if (!n) bad("since: must be a non-negative integer");
    out.session.since = *n;
  }
  if (q.count("snapshot") != 0) {
    const std::string v = single(q, "snapshot");
    if (v == "true" || v == "1") {
      out.session.snapshot = true;
    } else if (v != "false" && v != "0") {
      bad("snapshot: must be true or false");
    }
  }
  if (q.count("token") != 0) out.token = single(q, "token");
  out.session.conflate = parse_conflate_param(q);

  out.session.filter = parse_filter_params(q);
  return out;
}

}  // namespace sensorhub

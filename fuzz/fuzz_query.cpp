// SPDX-License-Identifier: MIT
// libFuzzer harness: the query parsers on arbitrary bytes - the query-string
// decoder and filter keys shared by every transport, the WebSocket
// handshake query (channel, since, snapshot, token, filters; ws_query.cpp),
// the daemon's REST list parameters (limit, offset, since/until, ids;
// apps/sensorhubd/http/http_util.cpp), ids, counters and RFC 3339 times.
// They may throw sensorhub::error (validation_error included); anything
// else is a bug. An accepted WebSocket query is written back as a query
// string and must parse to the same session options (round trip).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "http/http_util.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/protocol.hpp"
#include "sensorhub/time.hpp"
#include "ws_query.hpp"

using namespace sensorhub;
using sensorhub::ws_detail::parse_ws_query;
using sensorhub::ws_detail::ws_query;
using sensorhub_fuzz::check;
using sensorhub_fuzz::percent_encode;

namespace {

std::string encode(const ws_query& w) {
  std::string out;
  const auto add = [&out](const char* key, const std::string& value) {
    out += (out.empty() ? "" : "&") + std::string(key) + "=" + percent_encode(value);
  };
  for (const auto c : w.session.channels) add("channel", channel_name(c));
  if (w.session.since) add("since", std::to_string(*w.session.since));
  if (w.session.snapshot) add("snapshot", "true");
  if (w.session.conflate) add("conflate", "true");
  if (w.token) add("token", *w.token);
  const auto& f = w.session.filter;
  for (const auto id : f.entity_id) add("entity_id", std::to_string(id));
  for (const auto id : f.sensor_id) add("sensor_id", std::to_string(id));
  for (const auto t : f.event_types) add("event_type", event_type_name(t));
  for (const auto& t : f.tipo) add("tipo", t);
  return out;
}

void ws_round_trip(std::string_view text) {
  ws_query w;
  try {
    w = parse_ws_query(text);
  } catch (const error&) {
    return;
  }
  check(!w.session.channels.empty());
  const ws_query back = parse_ws_query(encode(w));  // must not throw
  check(back.session.channels == w.session.channels && back.session.since == w.session.since &&
        back.session.snapshot == w.session.snapshot &&
        back.session.conflate == w.session.conflate && back.token == w.token &&
        sensorhub_fuzz::same_filter(back.session.filter, w.session.filter));
}

// The REST list endpoints' parameters, read as the daemon's handlers do.
void rest_params(const query_params& q) {
  try {
    const auto limit = sensorhubd::limit_param(q);
    check(limit >= 1 && limit <= max_list_limit);
  } catch (const error&) {
  }
  try {
    (void)sensorhubd::offset_param(q);
  } catch (const error&) {
  }
  for (const char* key : {"since", "until"}) {
    try {
      if (const auto t = sensorhubd::time_param(q, key)) check(parse_time(format_time(*t)) == t);
    } catch (const error&) {
    }
  }
  try {
    if (const auto id = sensorhubd::id_param(q, "sensor_id")) check(*id > 0);
  } catch (const error&) {
  }
  try {
    (void)sensorhubd::single_param(q, "tipo");
  } catch (const error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const query_params q = parse_query_string(text);
    rest_params(q);
    const event_filter f = parse_filter_params(q);
    for (const auto id : f.entity_id) check(id > 0);
    for (const auto id : f.sensor_id) check(id > 0);
    for (const auto& t : f.tipo) check(!t.empty() && t.find(',') == std::string::npos);
  } catch (const error&) {
  }
  ws_round_trip(text);

  const std::string segment(text);
  try {
    check(sensorhubd::path_id(segment) > 0);
  } catch (const error&) {
  }
  if (const auto id = parse_id(text))
    check(*id > 0 && std::to_string(*id) == std::to_string(*parse_uint(text)));
  if (const auto n = parse_uint(text)) check(parse_uint(std::to_string(*n)) == n);
  if (const auto t = parse_time(text)) check(parse_time(format_time(*t)) == t);
  (void)sensorhubd::is_json_content_type(text);
  return 0;
}

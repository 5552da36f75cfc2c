// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>
#include <rapidjson/document.h>

#include <limits>
#include <string>
#include <vector>

#include "sensorhub/error.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/protocol.hpp"
#include "support/json_dom.hpp"

using namespace sensorhub;
using sensorhub::testing::dom;
using sensorhub::testing::keys;
using sensorhub::testing::str;
using sensorhub::testing::strings;

namespace {

using keylist = std::vector<std::string>;

timestamp t0() { return *parse_time("2025-07-20T05:34:11.378577Z"); }

template <typename Fn>
errc code_of(Fn fn) {
  try {
    fn();
  } catch (const error& e) {
    return e.code();
  }
  FAIL("nothing thrown");
  return errc::internal;
}

template <typename Fn>
field_errors fields_of(Fn fn) {
  try {
    fn();
  } catch (const validation_error& e) {
    CHECK(std::string(e.what()).size() > 0);
    return e.fields();
  } catch (const error& e) {
    FAIL("unexpected ", std::string(error_code_name(e.code())), ": ", std::string(e.what()));
  }
  FAIL("no validation_error thrown");
  return {};
}

hub_stats sample_stats() {
  hub_stats s;
  s.total_connections = 4;
  s.of(channel::sensors) = {2, 10, 0};
  s.of(channel::readings) = {1, 20, 5};
  s.of(channel::general) = {3, 30, 0};
  s.events_published = 60;
  s.last_seq = 77;
  s.uptime_s = 3600;
  s.dropped_subscribers = 9;  // not part of the wire shape
  return s;
}

void check_stats_object(const rapidjson::Value& d) {
  CHECK(keys(d) ==
        keylist{"total_connections", "channels", "events_published", "last_seq", "uptime_s"});
  CHECK(d["total_connections"].GetUint64() == 4);
  CHECK(keys(d["channels"]) == keylist{"sensors", "readings", "general"});
  const std::uint64_t want[3][3] = {{2, 10, 0}, {1, 20, 5}, {3, 30, 0}};
  const char* names[] = {"sensors", "readings", "general"};
  for (int i = 0; i < 3; ++i) {
    const auto& c = d["channels"][names[i]];
    CHECK(keys(c) == keylist{"connections", "messages_sent", "conflated"});
    CHECK(c["connections"].GetUint64() == want[i][0]);
    CHECK(c["messages_sent"].GetUint64() == want[i][1]);
    CHECK(c["conflated"].GetUint64() == want[i][2]);  // SPEC §11
  }
  CHECK(d["events_published"].GetUint64() == 60);
  CHECK(d["last_seq"].GetUint64() == 77);
  CHECK(d["uptime_s"].GetUint64() == 3600);
}

}  // namespace

// ---- encoders -------------------------------------------------------------------

TEST_CASE("stats object and stats message") {
  check_stats_object(dom(encode_stats_object(sample_stats())));
  const auto m = dom(encode_stats_message(sample_stats(), t0()));
  CHECK(keys(m) == keylist{"type", "data", "timestamp"});
  CHECK(str(m["type"]) == "stats");
  check_stats_object(m["data"]);
  CHECK(str(m["timestamp"]) == "2025-07-20T05:34:11.378577+00:00");
  // Zeroed stats are still the full shape.
  const auto z = dom(encode_stats_object(hub_stats{}));
  CHECK(z["channels"]["general"]["connections"].GetUint64() == 0);
}

TEST_CASE("connection_established") {
  const auto d = dom(encode_connection_established("c-1\"x", {channel::sensors, channel::general},
                                                   "sensorhubd/0.1.0", t0()));
  CHECK(keys(d) == keylist{"type", "client_id", "channels", "server", "timestamp"});
  CHECK(str(d["type"]) == "connection_established");
  CHECK(str(d["client_id"]) == "c-1\"x");
  CHECK(strings(d["channels"]) == keylist{"sensors", "general"});
  CHECK(str(d["server"]) == "sensorhubd/0.1.0");
  CHECK(str(d["timestamp"]) == "2025-07-20T05:34:11.378577+00:00");
}

TEST_CASE("pong, subscribed, unsubscribed") {
  CHECK(encode_pong(t0()) == R"({"type":"pong","timestamp":"2025-07-20T05:34:11.378577+00:00"})");
  CHECK(encode_subscribed({channel::readings, channel::sensors}) ==
        R"({"type":"subscribed","channels":["readings","sensors"]})");
  CHECK(encode_unsubscribed({}) == R"({"type":"unsubscribed","channels":[]})");
  const auto d = dom(encode_unsubscribed({channel::general}));
  CHECK(keys(d) == keylist{"type", "channels"});
  CHECK(strings(d["channels"]) == keylist{"general"});
}

TEST_CASE("ws error, resume_failed, snapshot") {
  const auto e = dom(encode_ws_error("invalid_json", "bad \"thing\"\n"));
  CHECK(keys(e) == keylist{"type", "error", "detail"});
  CHECK(str(e["type"]) == "error");
  CHECK(str(e["error"]) == "invalid_json");
  CHECK(str(e["detail"]) == "bad \"thing\"\n");

  CHECK(encode_resume_failed(12) ==
        R"({"type":"resume_failed","reason":"history_truncated","oldest_seq":12})");

  const auto s = dom(encode_snapshot(99, channel::sensors, R"([{"id":1},{"id":2}])"));
  CHECK(keys(s) == keylist{"type", "seq", "channel", "data"});
  CHECK(str(s["type"]) == "snapshot");
  CHECK(s["seq"].GetUint64() == 99);
  CHECK(str(s["channel"]) == "sensors");
  REQUIRE(s["data"].IsArray());
  CHECK(s["data"].Size() == 2);
  CHECK(dom(encode_snapshot(1, channel::readings, "[]"))["data"].Size() == 0);
}

TEST_CASE("error codes and HTTP statuses") {
  struct row {
    errc code;
    const char* name;
    int status;
  };
  const row rows[] = {
      {errc::invalid_json, "invalid_json", 400},
      {errc::invalid_parameter, "invalid_parameter", 400},
      {errc::not_found, "not_found", 404},
      {errc::method_not_allowed, "method_not_allowed", 405},
      {errc::length_required, "length_required", 411},
      {errc::payload_too_large, "payload_too_large", 413},
      {errc::unsupported_media_type, "unsupported_media_type", 415},
      {errc::validation_failed, "validation_failed", 422},
      {errc::unauthorized, "unauthorized", 401},
      {errc::forbidden, "forbidden", 403},
      {errc::rate_limited, "rate_limited", 429},
      {errc::unavailable, "unavailable", 503},
      {errc::storage, "internal_error", 500},
      {errc::internal, "internal_error", 500},
  };
  for (const auto& r : rows) {
    CHECK(std::string(error_code_name(r.code)) == r.name);
    CHECK(http_status(r.code) == r.status);
  }
}

TEST_CASE("channel and event type names") {
  for (channel c : all_channels) CHECK(parse_channel(channel_name(c)) == c);
  CHECK(std::string(channel_name(channel::readings)) == "readings");
  CHECK_FALSE(parse_channel("Sensors"));
  CHECK_FALSE(parse_channel(""));
  CHECK_FALSE(parse_channel("sensors "));
  for (event_type t : {event_type::created, event_type::updated, event_type::deleted}) {
    CHECK(parse_event_type(event_type_name(t)) == t);
  }
  CHECK_FALSE(parse_event_type("create"));
  CHECK(std::string(entity_kind_name(entity_kind::sensor)) == "sensor");
  CHECK(std::string(entity_kind_name(entity_kind::reading)) == "lectura");
}

// ---- client messages --------------------------------------------------------------

TEST_CASE("parse_client_message: ping, get_stats, unsubscribe") {
  CHECK(parse_client_message(R"({"type":"ping"})").type == client_message_type::ping);
  CHECK(parse_client_message(R"( {"type":"get_stats"} )").type == client_message_type::get_stats);
  const auto u = parse_client_message(R"({"type":"unsubscribe","channel":"readings"})");
  CHECK(u.type == client_message_type::unsubscribe);
  CHECK(u.chan == channel::readings);
}

TEST_CASE("parse_client_message: subscribe with everything") {
  const auto m = parse_client_message(
      R"({"type":"subscribe","channel":"readings","filter":{"entity_id":5,"sensor_id":[1,2],)"
      R"("event_type":["created","deleted"],"tipo":"temperatura"},"since":42,"snapshot":true,)"
      R"("conflate":true})");
  CHECK(m.type == client_message_type::subscribe);
  CHECK(m.chan == channel::readings);
  CHECK(m.filter.entity_id == std::vector<std::int64_t>{5});
  CHECK(m.filter.sensor_id == std::vector<std::int64_t>{1, 2});
  CHECK(m.filter.event_types == std::vector<event_type>{event_type::created, event_type::deleted});
  CHECK(m.filter.tipo == std::vector<std::string>{"temperatura"});
  CHECK(m.since == 42u);
  CHECK(m.snapshot);
  CHECK(m.conflate == std::optional<bool>(true));

  const auto plain = parse_client_message(R"({"type":"subscribe","channel":"sensors"})");
  CHECK(plain.chan == channel::sensors);
  CHECK(plain.filter.empty());
  CHECK_FALSE(plain.since);
  CHECK_FALSE(plain.snapshot);
  CHECK_FALSE(plain.conflate.has_value());  // absent: the channel keeps what it had
  CHECK(parse_client_message(R"({"type":"subscribe","channel":"readings","conflate":false})")
            .conflate == std::optional<bool>(false));
  CHECK(parse_client_message(R"({"type":"subscribe","channel":"general","since":0})").since == 0u);
  CHECK(parse_client_message(
            R"({"type":"subscribe","channel":"general","since":18446744073709551615})")
            .since == std::numeric_limits<std::uint64_t>::max());
  CHECK(parse_client_message(
            R"({"type":"subscribe","channel":"general","filter":{"tipo":["a","b"]}})")
            .filter.tipo == std::vector<std::string>{"a", "b"});
}

TEST_CASE("parse_client_message: malformed JSON is invalid_json") {
  for (const char* text :
       {"", "ping", "{", R"({"type":"ping"} x)", R"({"type":"ping","type":"ping"})",
        R"({"type":NaN})", "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}) {
    INFO(std::string(text));
    CHECK(code_of([&] { parse_client_message(text); }) == errc::invalid_json);
  }
  CHECK(code_of([] { parse_client_message(std::string(100000, '[')); }) == errc::invalid_json);
  CHECK(code_of([] { parse_client_message("{\"type\":\"\xff\"}"); }) == errc::invalid_json);
}

TEST_CASE("parse_client_message: ping and get_stats ignore a client's extra keys") {
  CHECK(parse_client_message(R"({"type":"ping","id":7,"timestamp":"x"})").type ==
        client_message_type::ping);
  CHECK(parse_client_message(R"({"type":"get_stats","id":7})").type ==
        client_message_type::get_stats);
}

TEST_CASE("parse_client_message: well-formed but wrong is a validation error") {
  CHECK(fields_of([] { parse_client_message("[]"); }) ==
        field_errors{{"body", "must be a JSON object"}});
  CHECK(fields_of([] { parse_client_message("{}"); }) == field_errors{{"type", "required"}});
  CHECK(fields_of([] { parse_client_message(R"({"type":1})"); }) ==
        field_errors{{"type", "must be a string"}});
  CHECK(fields_of([] { parse_client_message(R"({"type":"hello"})"); }) ==
        field_errors{{"type", "unknown message type"}});
  CHECK(fields_of([] {
          parse_client_message(R"({"type":"subscribe","channel":"general","x":1})");
        }) == field_errors{{"x", "unknown field"}});
  CHECK(fields_of([] { parse_client_message(R"({"type":"subscribe"})"); }) ==
        field_errors{{"channel", "required"}});
  CHECK(fields_of([] { parse_client_message(R"({"type":"unsubscribe","channel":"nope"})"); }) ==
        field_errors{{"channel", "must be one of sensors, readings, general"}});
  CHECK(fields_of([] { parse_client_message(R"({"type":"unsubscribe","channel":1})"); }) ==
        field_errors{{"channel", "must be one of sensors, readings, general"}});
  CHECK(fields_of([] {
          parse_client_message(R"({"type":"unsubscribe","channel":"general","since":1})");
        }) == field_errors{{"since", "unknown field"}});
  CHECK(fields_of([] {
          parse_client_message(R"({"type":"subscribe","channel":"general","filter":[]})");
        }) == field_errors{{"filter", "must be an object"}});
  CHECK(fields_of([] {
          parse_client_message(
              R"({"type":"subscribe","channel":"general","filter":{"color":"red","entity_id":0,)"
              R"("sensor_id":[1,"2"],"event_type":"made","tipo":[""]}})");
        }) ==
        field_errors{{"filter.color", "unknown filter key"},
                     {"filter.entity_id", "must be a positive integer or an array of them"},
                     {"filter.sensor_id", "must be a positive integer or an array of them"},
                     {"filter.event_type", "must be created, updated, deleted or an array of them"},
                     {"filter.tipo", "must be a non-empty string or an array of them"}});
  CHECK(fields_of([] {
          parse_client_message(
              R"({"type":"subscribe","channel":"general","filter":{"entity_id":1.5}})");
        }).count("filter.entity_id") == 1);
  CHECK(fields_of([] {
          parse_client_message(
              R"({"type":"subscribe","channel":"general","filter":{"entity_id":[[1]]}})");
        }).count("filter.entity_id") == 1);
  for (const char* since : {"-1", "1.0", "\"5\"", "1e3", "18446744073709551616", "null"}) {
    INFO(std::string(since));
    const std::string msg =
        std::string(R"({"type":"subscribe","channel":"general","since":)") + since + "}";
    CHECK(fields_of([&] { parse_client_message(msg); }) ==
          field_errors{{"since", "must be a non-negative integer"}});
  }
  CHECK(fields_of([] {
          parse_client_message(R"({"type":"subscribe","channel":"general","snapshot":"true"})");
        }) == field_errors{{"snapshot", "must be a boolean"}});
  for (const char* conflate : {"\"true\"", "1", "null", "[true]"}) {
    INFO(std::string(conflate));
    const std::string msg =
        std::string(R"({"type":"subscribe","channel":"readings","conflate":)") + conflate + "}";
    CHECK(fields_of([&] { parse_client_message(msg); }) ==
          field_errors{{"conflate", "must be a boolean"}});
  }
  // conflate belongs to subscribe only.
  CHECK(fields_of([] {
          parse_client_message(R"({"type":"unsubscribe","channel":"readings","conflate":true})");
        }) == field_errors{{"conflate", "unknown field"}});
  std::string many = R"({"type":"subscribe","channel":"general","filter":{"entity_id":[1)";
  for (int i = 0; i < 20000; ++i) many += ",1";
  many += "]}}";
  CHECK(fields_of([&] { parse_client_message(many); }) ==
        field_errors{{"body", "too many JSON values"}});
  // The error's detail names the problem (it is what the WebSocket reply carries).
  try {
    parse_client_message(R"({"type":"hello"})");
    FAIL("no throw");
  } catch (const validation_error& e) {
    CHECK(std::string(e.what()).find("unknown message type") != std::string::npos);
  }
}

// ---- query strings -----------------------------------------------------------------

TEST_CASE("parse_query_string decodes and keeps repeated keys") {
  const auto q = parse_query_string(
      "channel=sensors&channel=readings,general&tipo=caf%C3%A9+frio&x&=v&&since=5");
  CHECK(q.count("channel") == 2);
  CHECK(param_values(q, "channel") == keylist{"sensors", "readings", "general"});
  CHECK(param_values(q, "tipo") == keylist{"café frio"});
  CHECK(param_values(q, "x") == keylist{""});
  CHECK(param_values(q, "") == keylist{"v"});
  CHECK(param_values(q, "since") == keylist{"5"});
  CHECK(param_values(q, "missing").empty());
  CHECK(parse_query_string("").empty());
  CHECK(param_values(parse_query_string("a=%2C%26%3D"), "a") == keylist{"", "&="});
  CHECK(param_values(parse_query_string("a%20b=1"), "a b") == keylist{"1"});
  CHECK(param_values(parse_query_string("a=1,,2"), "a") == keylist{"1", "", "2"});
}

TEST_CASE("parse_query_string rejects bad escapes and bad UTF-8") {
  for (const char* q :
       {"a=%", "a=%4", "a=%zz", "a=%4g", "%=1", "a=%C3", "a=%FF", "a=%ED%A0%80", "a=\xff"}) {
    INFO(std::string(q));
    CHECK(code_of([&] { parse_query_string(q); }) == errc::invalid_parameter);
  }
}

TEST_CASE("parse_filter_params") {
  const auto f =
      parse_filter_params(parse_query_string("entity_id=1,2&sensor_id=3&sensor_id=4&event_type="
                                             "updated&tipo=temperatura&channel=x&limit=5"));
  CHECK(f.entity_id == std::vector<std::int64_t>{1, 2});
  CHECK(f.sensor_id == std::vector<std::int64_t>{3, 4});
  CHECK(f.event_types == std::vector<event_type>{event_type::updated});
  CHECK(f.tipo == keylist{"temperatura"});
  CHECK(parse_filter_params(parse_query_string("channel=sensors&since=3")).empty());

  for (const char* q :
       {"entity_id=0", "entity_id=abc", "entity_id=", "sensor_id=-1", "sensor_id=1,x",
        "sensor_id=99999999999999999999", "event_type=made", "event_type=", "tipo=", "tipo=a,"}) {
    INFO(std::string(q));
    CHECK(code_of([&] { parse_filter_params(parse_query_string(q)); }) == errc::invalid_parameter);
  }
}

TEST_CASE("parse_conflate_param: true, false or absent, anything else is refused") {
  CHECK_FALSE(parse_conflate_param(parse_query_string("channel=readings")));
  CHECK(parse_conflate_param(parse_query_string("conflate=true")));
  CHECK_FALSE(parse_conflate_param(parse_query_string("conflate=false")));
  for (const char* q : {"conflate=1", "conflate=yes", "conflate=", "conflate", "conflate=True",
                        "conflate=true&conflate=false", "conflate=true,false"}) {
    INFO(std::string(q));
    CHECK(code_of([&] { parse_conflate_param(parse_query_string(q)); }) == errc::invalid_parameter);
  }
}

TEST_CASE("parse_id and parse_uint") {
  CHECK(parse_id("1") == 1);
  CHECK(parse_id("42") == 42);
  CHECK(parse_id("9223372036854775807") == std::numeric_limits<std::int64_t>::max());
  for (const char* bad : {"", "0", "-1", "+1", "abc", " 1", "1 ", "1.0", "1e3", "0x10",
                          "9223372036854775808", "99999999999999999999", "00"}) {
    INFO(std::string(bad));
    CHECK_FALSE(parse_id(bad));
  }
  CHECK(parse_uint("0") == 0u);
  CHECK(parse_uint("18446744073709551615") == std::numeric_limits<std::uint64_t>::max());
  for (const char* bad : {"", "-0", "+0", "18446744073709551616", "1a", " 0"}) {
    INFO(std::string(bad));
    CHECK_FALSE(parse_uint(bad));
  }
}

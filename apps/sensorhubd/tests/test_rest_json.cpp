// SPDX-License-Identifier: MIT
// JSON bodies only the REST routes use (moved out of the core's protocol):
// the POST /api/v1/ws/test-event request and the per-channel stats body.
#include <doctest/doctest.h>

#include <string>

#include "rest/channel_stats_body.hpp"
#include "rest/test_event_request.hpp"
#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"

using namespace sensorhubd;
using sensorhub::channel;
using sensorhub::errc;
using sensorhub::field_errors;

namespace {

template <typename Fn>
errc code_of(Fn fn) {
  try {
    fn();
  } catch (const sensorhub::error& e) {
    return e.code();
  }
  FAIL("nothing thrown");
  return errc::internal;
}

template <typename Fn>
field_errors fields_of(Fn fn) {
  try {
    fn();
  } catch (const sensorhub::validation_error& e) {
    CHECK(std::string(e.what()).size() > 0);
    return e.fields();
  } catch (const sensorhub::error& e) {
    FAIL("unexpected ", std::string(sensorhub::error_code_name(e.code())), ": ",
         std::string(e.what()));
  }
  FAIL("no validation_error thrown");
  return {};
}

}  // namespace

TEST_CASE("parse_test_event_request") {
  const auto r = parse_test_event_request(
      R"({"channel":"sensors","message":"hola","data":{"a":[1,2.5,"x"],"b":{"c":null},"d":true}})");
  CHECK(r.chan == channel::sensors);
  CHECK(r.message == "hola");
  CHECK(r.data_json == R"({"a":[1,2.5,"x"],"b":{"c":null},"d":true})");

  const auto m = parse_test_event_request(R"({"channel":"general"})");
  CHECK(m.chan == channel::general);
  CHECK(m.message.empty());
  CHECK(m.data_json == "{}");

  CHECK(fields_of([] { parse_test_event_request("{}"); }) == field_errors{{"channel", "required"}});
  CHECK(fields_of([] { parse_test_event_request("[]"); }) ==
        field_errors{{"body", "must be a JSON object"}});
  CHECK(fields_of([] {
          parse_test_event_request(R"({"channel":"x","message":1,"data":[],"extra":true})");
        }) == field_errors{{"channel", "must be one of sensors, readings, general"},
                           {"message", "must be a string"},
                           {"data", "must be an object"},
                           {"extra", "unknown field"}});
  CHECK(fields_of([] {
          parse_test_event_request(R"({"channel":"general","data":{"x":[1e999]}})");
        }) == field_errors{{"data", "number out of range"}});
  CHECK(code_of([] { parse_test_event_request(R"({"channel":"general","data":{"x":NaN}})"); }) ==
        errc::invalid_json);
  CHECK(code_of([] {
          parse_test_event_request(R"({"channel":"general","data":{"x":1,"x":2}})");
        }) == errc::invalid_json);
  // Escapes are re-serialized safely.
  const auto e = parse_test_event_request(R"({"channel":"general","data":{"q\"k":"\u0001\n"}})");
  CHECK(e.data_json == R"({"q\"k":"\u0001\n"})");
}

TEST_CASE("test-event data keeps numbers as sent and escapes like the core") {
  const auto r = parse_test_event_request(
      R"({"channel":"readings","data":{"n":[1.0,1e2,-0,12345678901234567890123,0.1],)"
      R"("s":"\u001f\/é","nested":[[],{}],"e":{}}})");
  CHECK(r.data_json ==
        R"({"n":[1.0,1e2,-0,12345678901234567890123,0.1],"s":"\u001f/é","nested":[[],{}],"e":{}})");
  // The copy is the core's own string encoding.
  CHECK(sensorhub::quote_json("\x1f") == R"("\u001f")");
}

TEST_CASE("a huge number outside data is judged by its field, malformed JSON stays a 400") {
  CHECK(fields_of([] {
          parse_test_event_request(R"({"channel":"general","message":1e999,"data":{"a":1}})");
        }) == field_errors{{"message", "must be a string"}});
  CHECK(fields_of([] { parse_test_event_request(R"({"channel":"general","other":-1e400})"); }) ==
        field_errors{{"other", "unknown field"}});
  CHECK(fields_of([] { parse_test_event_request("1e999"); }) ==
        field_errors{{"body", "must be a JSON object"}});
  CHECK(fields_of([] {
          parse_test_event_request(R"({"channel":"general","data":{"t":1e-400}})");
        }) == field_errors{{"data", "number out of range"}});
  // A huge number does not hide a syntax error after it.
  CHECK(code_of([] { parse_test_event_request(R"({"channel":"general","data":{"x":1e999},)"); }) ==
        errc::invalid_json);
  // Inside strings, number-like text is left alone.
  const auto r = parse_test_event_request(R"({"channel":"general","message":"1e999"})");
  CHECK(r.message == "1e999");
}

TEST_CASE("hostile test-event bodies") {
  for (const std::string& body :
       {std::string(""), std::string("{\"channel\":\"general\"}\0x", 22),
        std::string(R"({"channel":"general","data":{"s":"\ud800"}})"),
        std::string(R"({"channel":"general","data":{"s":"\udc00"}})"),
        std::string("{\"channel\":\"general\",\"data\":{\"s\":\"\xff\"}}"),
        std::string(R"({"channel":"general","channel":"sensors"})"),
        std::string(R"({"channel":"general"} x)"), std::string(R"({"channel":"general",})"),
        std::string(R"({"channel":"general","data":{"x":Infinity}})"),
        "{\"channel\":\"general\",\"data\":{\"x\":" + std::string(100, '[') +
            std::string(100, ']') + "}}"}) {
    INFO(body);
    CHECK(code_of([&] { parse_test_event_request(body); }) == errc::invalid_json);
  }
  // Deep but within the cap is fine.
  const std::string deep = std::string(60, '[') + std::string(60, ']');
  const auto r = parse_test_event_request(R"({"channel":"general","data":{"x":)" + deep + "}}");
  CHECK(r.data_json == R"({"x":)" + deep + "}");
  // Too many values: a validation error on the body, not an allocation spree.
  std::string many = R"({"channel":"general","data":{"x":[)";
  for (int i = 0; i < 100001; ++i) many += "0,";
  many += "0]}}";
  CHECK(fields_of([&] { parse_test_event_request(many); }) ==
        field_errors{{"body", "too many JSON values"}});
}

TEST_CASE("numbers RapidJSON cannot hold are judged like the codec does") {
  // 0e999 is zero, valid JSON, kept as written.
  CHECK(parse_test_event_request(R"({"channel":"general","data":{"z":0e999}})").data_json ==
        R"({"z":0e999})");
  // Two numbers glued together are malformed, not a number.
  for (const char* body : {R"({"channel":"general","data":{"x":[1e991e9]}})",
                           R"({"channel":"general","data":{"x":[-1e4002.5]}})"}) {
    INFO(body);
    CHECK(code_of([&] { parse_test_event_request(body); }) == errc::invalid_json);
  }
}

TEST_CASE("channel stats body") {
  CHECK(encode_channel_stats(channel::readings, sensorhub::channel_stats{5, 6, 7}) ==
        R"({"channel":"readings","connections":5,"messages_sent":6,"conflated":7})");
}

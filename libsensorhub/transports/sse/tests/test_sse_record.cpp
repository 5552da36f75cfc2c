// SPDX-License-Identifier: MIT
// The SSE record encoding (SPEC §10): ids only on messages with a seq, the
// event name from the message, data exactly the WebSocket JSON.
#include <doctest/doctest.h>

#include <string>

#include "sensorhub/codec.hpp"
#include "sensorhub/transports/sse_record.hpp"

using namespace sensorhub;

TEST_CASE("an entity event is one record: id, event, data, blank line") {
  sensor s;
  s.id = 7;
  s.tipo = "line\nbreak\r\"quoted\"";  // a raw newline in a value
  s.modelo = "DHT22";
  s.ubicacion = "lab\n2";
  entity_change change;
  change.type = event_type::created;
  change.data = s;
  change.tipo = s.tipo;
  change.ubicacion = s.ubicacion;
  const event e = make_entity_event(42, now(), change);
  // JSON escapes line breaks: data is always one line.
  REQUIRE(e.json->find('\n') == std::string::npos);
  REQUIRE(e.json->find('\r') == std::string::npos);
  CHECK(sse_event_record(e) == "id: 42\nevent: entity_event\ndata: " + *e.json + "\n\n");
}

TEST_CASE("system events carry their seq, test events none") {
  const event sys = make_system_event(5, now(), system_change{"server_started", "{}"});
  CHECK(sse_event_record(sys) == "id: 5\nevent: system_event\ndata: " + *sys.json + "\n\n");
  const event test = make_test_event(channel::general, "hi", R"({"a":1})", now());
  CHECK(test.seq == 0);
  CHECK(sse_event_record(test) == "event: test_event\ndata: " + *test.json + "\n\n");
}

TEST_CASE("session messages are named by their type and carry no id") {
  const std::string hello = R"({"type":"connection_established","client_id":"x"})";
  CHECK(sse_message_type(hello) == "connection_established");
  CHECK(sse_message_type(R"({"type":"resume_failed","reason":"history_truncated"})") ==
        "resume_failed");
  CHECK(sse_message_type(R"({"seq":1})") == "message");
  CHECK(sse_message_type(R"({"type":"")") == "message");
  CHECK(sse_message_type(R"({"type":"a\"b"})") == "message");
  CHECK(sse_message_type("") == "message");
  CHECK(sse_record("stats", std::nullopt, R"({"type":"stats"})") ==
        "event: stats\ndata: {\"type\":\"stats\"}\n\n");
}

TEST_CASE("text with line breaks becomes one data line per line") {
  CHECK(sse_record("m", 3, "a\nb\r\nc\rd") ==
        "id: 3\nevent: m\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
  CHECK(sse_record("m", std::nullopt, "") == "event: m\ndata: \n\n");
  CHECK(sse_record("m", std::nullopt, "x\n") == "event: m\ndata: x\ndata: \n\n");
}

TEST_CASE("keepalive comment and the slow-consumer record") {
  CHECK(sse_comment("keepalive") == ": keepalive\n\n");
  CHECK(sse_slow_consumer_record() ==
        "event: slow_consumer\ndata: {\"error\":\"slow_consumer\"}\n\n");
}

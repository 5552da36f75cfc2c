// SPDX-License-Identifier: MIT
// The bench's own wire code: WebSocket frames and handshake, the event
// scanner of the subscribers' receive path, the keep-alive response parser.
#include <doctest/doctest.h>

#include <string>

#include "clients/http_response_parser.hpp"
#include "clients/ws_message.hpp"
#include "clients/ws_wire.hpp"

using namespace bench;

namespace {

// An unmasked server frame.
std::string server_frame(unsigned opcode, const std::string& payload, bool fin = true) {
  std::string f;
  f.push_back(static_cast<char>((fin ? 0x80u : 0u) | opcode));
  if (payload.size() < 126) {
    f.push_back(static_cast<char>(payload.size()));
  } else if (payload.size() <= 0xffff) {
    f.push_back(static_cast<char>(126));
    f.push_back(static_cast<char>(payload.size() >> 8));
    f.push_back(static_cast<char>(payload.size() & 0xff));
  } else {
    f.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      f.push_back(static_cast<char>((static_cast<std::uint64_t>(payload.size()) >> shift) & 0xff));
    }
  }
  return f + payload;
}

const std::string daemon_event =
    R"({"type":"entity_event","seq":42,"channel":"sensors","entity_type":"sensor",)"
    R"("event_type":"created","entity_id":7,"data":{"id":7,"tipo":"bench",)"
    R"("modelo":"b0badf00d-123","ubicacion":"bench","activo":true},)"
    R"("timestamp":"2026-01-01T00:00:00+00:00","metadata":{"action":"create_sensor"}})";

}  // namespace

TEST_CASE("next_frame reads 7-bit, 16-bit and 64-bit lengths and waits for missing bytes") {
  for (const std::size_t size : {std::size_t{5}, std::size_t{300}, std::size_t{70000}}) {
    const std::string payload(size, 'x');
    const std::string f = server_frame(1, payload) + "tail";
    ws_frame out;
    CHECK(next_frame(std::string_view(f).substr(0, 1), out) == frame_incomplete);
    CHECK(next_frame(std::string_view(f).substr(0, f.size() - 5), out) == frame_incomplete);
    REQUIRE(next_frame(f, out) == f.size() - 4);
    CHECK(out.opcode == ws_opcode::text);
    CHECK(out.fin);
    CHECK(out.payload.size() == size);
  }
}

TEST_CASE("next_frame rejects masked server frames and reserved opcodes") {
  ws_frame out;
  std::string masked = server_frame(1, "hi");
  masked[1] = static_cast<char>(masked[1] | 0x80);
  CHECK(next_frame(masked, out) == frame_invalid);
  CHECK(next_frame(server_frame(3, "hi"), out) == frame_invalid);
  CHECK(next_frame(server_frame(11, ""), out) == frame_invalid);
  REQUIRE(next_frame(server_frame(9, "p"), out) == 3);
  CHECK(out.opcode == ws_opcode::ping);
}

TEST_CASE("client control frames are masked with a zero key") {
  const std::string f = make_client_frame(ws_opcode::close, close_payload(1000, "bye"));
  REQUIRE(f.size() == 2 + 4 + 5);
  CHECK(static_cast<unsigned char>(f[0]) == 0x88);
  CHECK(static_cast<unsigned char>(f[1]) == (0x80 | 5));
  CHECK(f.substr(2, 4) == std::string(4, '\0'));
  CHECK(static_cast<unsigned char>(f[6]) == 0x03);
  CHECK(static_cast<unsigned char>(f[7]) == 0xe8);
  CHECK(f.substr(8) == "bye");
}

TEST_CASE("the upgrade answer needs 101 and the accept value of the fixed key") {
  const std::string request = make_upgrade_request("127.0.0.1:80", "/api/v1/ws?channel=sensors");
  CHECK(request.find("GET /api/v1/ws?channel=sensors HTTP/1.1\r\n") == 0);
  CHECK(request.find("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n") != std::string::npos);

  const std::string ok =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "sec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
  const std::string with_frame = ok + server_frame(1, "{}");
  const handshake_result h = check_upgrade_response(with_frame);
  CHECK(h.status == handshake_status::ok);
  CHECK(h.consumed == ok.size());
  CHECK(check_upgrade_response(ok.substr(0, ok.size() - 1)).status == handshake_status::incomplete);

  std::string wrong = ok;
  wrong.replace(wrong.find("s3pP"), 4, "AAAA");
  CHECK(check_upgrade_response(wrong).status == handshake_status::rejected);

  const handshake_result refused = check_upgrade_response(
      "HTTP/1.1 429 Too Many Requests\r\nContent-Length: 12\r\n\r\n{\"e\":\"busy\"}");
  CHECK(refused.status == handshake_status::rejected);
  CHECK(refused.error.find("429") != std::string::npos);
  CHECK(refused.error.find("busy") != std::string::npos);
}

TEST_CASE("the scanner reads seq, entity id and the run's marker without a JSON parse") {
  const ws_scanner scanner("b0badf00d");
  const ws_message m = scanner.scan(daemon_event);
  CHECK(m.kind == message_kind::entity_event);
  CHECK(m.seq == 42);
  CHECK(m.entity_id == 7);
  CHECK_FALSE(m.is_reading);
  CHECK(m.write_index == 123);

  // Another run's marker, or one with more after the digits, is not ours.
  CHECK(ws_scanner("b0badf00").scan(daemon_event).write_index == -1);
  std::string longer = daemon_event;
  longer.replace(longer.find("-123\""), 5, "-123x\"");
  CHECK(scanner.scan(longer).write_index == -1);

  const ws_message reading = scanner.scan(
      R"({"type":"entity_event","seq":9,"channel":"readings","entity_type":"lectura",)"
      R"("event_type":"created","entity_id":1000,"data":{"id":1000,"sensor_id":1,"valor":1.5}})");
  CHECK(reading.is_reading);
  CHECK(reading.entity_id == 1000);
  CHECK(reading.seq == 9);
}

TEST_CASE("the scanner finds the keys in any order") {
  const ws_scanner scanner("b7");
  const ws_message m =
      scanner.scan(R"({"data":{"modelo":"b7-5","id":3},"entity_id":3,"entity_type":"sensor",)"
                   R"("seq":11,"type":"entity_event"})");
  CHECK(m.kind == message_kind::entity_event);
  CHECK(m.seq == 11);
  CHECK(m.entity_id == 3);
  CHECK(m.write_index == 5);
  CHECK_FALSE(m.is_reading);
  CHECK(scanner.scan("").kind == message_kind::invalid);
}

TEST_CASE("the scanner recognises the greeting and hands rare messages to the parser") {
  const ws_scanner scanner("b1");
  CHECK(scanner.scan(R"({"type":"connection_established","client_id":"x","channels":["sensors"]})")
            .kind == message_kind::connection_established);
  const ws_message r =
      scanner.scan(R"({"type":"resume_failed","reason":"history_truncated","oldest_seq":5})");
  CHECK(r.kind == message_kind::resume_failed);
  CHECK(r.oldest_seq == 5);
  CHECK(scanner.scan("not json").kind == message_kind::invalid);
}

TEST_CASE("keep-alive responses: length, close, HTTP/1.0, chunked, pipelined") {
  parsed_response p;
  std::string error;
  const std::string first = "HTTP/1.1 201 Created\r\nContent-Length: 8\r\n\r\n{\"id\":5}";
  const std::string second = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}";
  const std::string both = first + second;
  REQUIRE(parse_http_response(both, false, p, error) == parse_state::complete);
  CHECK(p.status == 201);
  CHECK(p.keep_alive);
  CHECK(p.consumed == first.size());
  CHECK(json_id_of(p.body) == 5);
  parsed_response q;
  REQUIRE(parse_http_response(std::string_view(both).substr(p.consumed), false, q, error) ==
          parse_state::complete);
  CHECK(q.status == 200);
  CHECK_FALSE(q.keep_alive);

  parsed_response partial;
  CHECK(parse_http_response(first.substr(0, first.size() - 1), false, partial, error) ==
        parse_state::incomplete);
  CHECK(parse_http_response(first.substr(0, first.size() - 1), true, partial, error) ==
        parse_state::invalid);

  parsed_response old;
  REQUIRE(parse_http_response("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n", false, old, error) ==
          parse_state::complete);
  CHECK_FALSE(old.keep_alive);

  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: "
      "chunked\r\n\r\n3\r\nabc\r\na\r\n0123456789\r\n0\r\n\r\n";
  parsed_response c;
  CHECK(parse_http_response(chunked.substr(0, chunked.size() - 2), false, c, error) ==
        parse_state::incomplete);
  REQUIRE(parse_http_response(chunked, false, c, error) == parse_state::complete);
  CHECK(c.body == "abc0123456789");
  CHECK(c.consumed == chunked.size());

  parsed_response eof;
  REQUIRE(parse_http_response("HTTP/1.1 200 OK\r\n\r\nuntil the end", true, eof, error) ==
          parse_state::complete);
  CHECK(eof.body == "until the end");
  CHECK_FALSE(eof.keep_alive);
}

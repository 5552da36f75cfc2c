// SPDX-License-Identifier: MIT
// The HTTP/1.x response writer, byte for byte, and its chunked stream read
// back by http-parser.
#include <doctest/doctest.h>

#include <string>

#include <http_parser.h>

#include "http/http1_writer.hpp"

using namespace sensorhub;
using namespace sensorhub::ws_detail;

namespace {

http_response make(int status, std::string body, std::string type = "application/json") {
  http_response r;
  r.status = status;
  r.body = std::move(body);
  r.content_type = std::move(type);
  return r;
}

// The body http-parser decodes from a whole response; "" if incomplete.
std::string decode_response(const std::string& wire, bool& complete) {
  struct state {
    std::string body;
    bool complete = false;
  } s;
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_body = [](http_parser* p, const char* at, std::size_t n) {
    static_cast<state*>(p->data)->body.append(at, n);
    return 0;
  };
  settings.on_message_complete = [](http_parser* p) {
    static_cast<state*>(p->data)->complete = true;
    return 0;
  };
  http_parser p;
  http_parser_init(&p, HTTP_RESPONSE);
  p.data = &s;
  const std::size_t n = http_parser_execute(&p, &settings, wire.data(), wire.size());
  complete = s.complete && n == wire.size() && p.http_errno == HPE_OK;
  return s.body;
}

}  // namespace

TEST_CASE("http1_writer: a 200 JSON response") {
  const auto r = make(200, R"({"a":1})");
  CHECK(write_http1_response(r, 1, true, false) ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n"
        R"({"a":1})");
  auto created = make(201, "{}");
  created.headers = {{"Location", "/api/v1/sensores/1"}, {"content-length", "99"}};
  CHECK(write_http1_response(created, 1, false, false) ==
        "HTTP/1.1 201 Created\r\nLocation: /api/v1/sensores/1\r\nContent-Type: application/json\r\n"
        "Content-Length: 2\r\nConnection: close\r\n\r\n{}");
}

TEST_CASE("http1_writer: 204 and 304 have neither length nor body, 1xx neither") {
  CHECK(write_http1_response(make(204, "ignored"), 1, true, false) ==
        "HTTP/1.1 204 No Content\r\n\r\n");
  CHECK(write_http1_response(make(304, ""), 1, false, false) ==
        "HTTP/1.1 304 Not Modified\r\nConnection: close\r\n\r\n");
  CHECK(http1_continue() == "HTTP/1.1 100 Continue\r\n\r\n");
}

TEST_CASE("http1_writer: an empty body has Content-Length 0 and no Content-Type") {
  CHECK(write_http1_response(make(404, ""), 1, true, false) ==
        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
  CHECK(write_http1_response(make(599, "x", ""), 1, true, false) ==
        "HTTP/1.1 599 Unknown\r\nContent-Length: 1\r\n\r\nx");
}

TEST_CASE("http1_writer: HEAD keeps the headers and the length, not the body") {
  CHECK(write_http1_response(make(200, "[1,2,3]"), 1, true, true) ==
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n");
}

TEST_CASE("http1_writer: HTTP/1.0 says keep-alive when it keeps the connection") {
  CHECK(write_http1_response(make(200, "{}"), 0, true, false) ==
        "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        "Connection: keep-alive\r\n\r\n{}");
  CHECK(write_http1_response(make(200, "{}"), 0, false, false) ==
        "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
        "Connection: close\r\n\r\n{}");
}

TEST_CASE("http1_writer: a streamed response, chunk by chunk") {
  auto r = make(200, "", "text/event-stream");
  r.headers = {{"Cache-Control", "no-cache"}};
  const std::string head = write_http1_stream_head(r, 1, true);
  CHECK(head ==
        "HTTP/1.1 200 OK\r\nCache-Control: no-cache\r\nContent-Type: text/event-stream\r\n"
        "Transfer-Encoding: chunked\r\n\r\n");
  CHECK(http1_chunk("data: x\n\n") == "9\r\ndata: x\n\n\r\n");
  CHECK(http1_chunk(std::string(255, 'a')).substr(0, 4) == "ff\r\n");
  CHECK(http1_chunk("").empty());
  CHECK(http1_last_chunk() == "0\r\n\r\n");
  bool complete = false;
  const std::string wire = head + http1_chunk("id: 1\n\n") + http1_chunk(std::string(300, 'z')) +
                           http1_chunk("") + http1_last_chunk();
  CHECK(decode_response(wire, complete) == "id: 1\n\n" + std::string(300, 'z'));
  CHECK(complete);

  CHECK(write_http1_stream_head(r, 1, false) ==
        "HTTP/1.1 200 OK\r\nCache-Control: no-cache\r\nContent-Type: text/event-stream\r\n"
        "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
  CHECK(write_http1_stream_head(r, 0, true) ==
        "HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\nContent-Type: text/event-stream\r\n"
        "Connection: close\r\n\r\n");
}

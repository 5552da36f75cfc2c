// SPDX-License-Identifier: MIT
// The history API's HTTP/1.x response reader: Content-Length, chunked,
// until close, and every malformed or cut-short answer refused.

#include <doctest/doctest.h>

#include <string>

#include "http_response_parser.hpp"

using sensorhub::client::detail::http_response_parser;

namespace {

// Feeds `text` one byte at a time (complete() after each), then EOF unless
// the response completed. Returns the result or the error.
struct outcome {
  bool completed_early = false;
  std::optional<http_response_parser::result> result;
  std::string error;
};

outcome run(const std::string& text) {
  http_response_parser p;
  outcome o;
  for (char c : text) {
    p.feed(&c, 1);
    if (p.complete()) {
      o.completed_early = true;
      break;
    }
  }
  if (!o.completed_early) p.at_eof();
  o.result = p.finish(o.error);
  return o;
}

}  // namespace

TEST_CASE("Content-Length: complete without waiting for the close, extra bytes ignored") {
  const auto o = run("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]garbage");
  CHECK(o.completed_early);
  REQUIRE(o.result);
  CHECK(o.result->status == 200);
  CHECK(o.result->body == "[]");
  const auto cut = run("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n[1,2");
  CHECK_FALSE(cut.result);
  CHECK(cut.error.find("4 of 10") != std::string::npos);
}

TEST_CASE("chunked bodies are decoded, broken ones are refused") {
  const auto o =
      run("HTTP/1.1 404 Not Found\r\ntransfer-encoding: Chunked\r\n\r\n"
          "4;ext=1\r\n{\"er\r\n9\r\nror\":\"x\"}\r\n0\r\n\r\n");
  CHECK(o.completed_early);
  REQUIRE(o.result);
  CHECK(o.result->status == 404);
  CHECK(o.result->body == "{\"error\":\"x\"}");
  CHECK_FALSE(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").result);
  CHECK_FALSE(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n").result);
  CHECK_FALSE(run("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n").result);
  const auto gzip = run("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx");
  CHECK_FALSE(gzip.result);
  CHECK(gzip.error.find("gzip") != std::string::npos);
}

TEST_CASE("no framing: the body ends with the connection") {
  const auto o = run("HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n[{}]");
  CHECK_FALSE(o.completed_early);
  REQUIRE(o.result);
  CHECK(o.result->body == "[{}]");
}

TEST_CASE("not HTTP, or cut inside the head") {
  CHECK_FALSE(run("").result);
  CHECK_FALSE(run("HTTP/1.1 200 OK\r\nContent-Le").result);
  CHECK_FALSE(run("\x15\x03\x03\x00\x02\x02\x46\r\n\r\n").result);
  CHECK_FALSE(run("HTTP/1.1 2x0 OK\r\n\r\n").result);
  CHECK_FALSE(
      run("HTTP/1.1 020 OK\r\nContent-Length: 0\r\n\r\n").result);  // found by fuzz_http_response
  CHECK_FALSE(run("HTTP/1.1 600 OK\r\nContent-Length: 0\r\n\r\n").result);
  CHECK_FALSE(run("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n").result);
  CHECK_FALSE(run("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999\r\n\r\n").result);
}

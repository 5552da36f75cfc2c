// SPDX-License-Identifier: MIT
// The HTTP/1.1 request reader on byte strings: every stop state, pipelining,
// any split of the input, chunked bodies, limits and the smuggling guards.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "http/http1_parser.hpp"

using namespace sensorhub;
using namespace sensorhub::ws_detail;
using st = http1_parser::state;

namespace {

struct run_result {
  std::vector<http_request> requests;  // one per message_done
  int heads = 0;                       // head_ready count
  st last = st::need_more;             // need_more, upgrade or failed
  std::size_t offset = 0;              // bytes consumed in all
  int status = 0;
};

// Feeds `text` in pieces of at most `piece` bytes, acting as a connection
// does: continue_body(max_body) after head_ready, next() after message_done;
// stops at upgrade or failed.
run_result drive(const std::string& text, std::size_t piece = std::string::npos,
                 std::size_t max_body = 1 << 20, std::size_t max_header = 8192) {
  http1_parser p(max_header);
  run_result r;
  while (r.offset < text.size()) {
    const std::size_t n = std::min(piece, text.size() - r.offset);
    const auto s = p.feed(text.data() + r.offset, n);
    REQUIRE(s.consumed <= n);
    r.offset += s.consumed;
    switch (s.st) {
      case st::need_more:
        REQUIRE(s.consumed == n);
        break;
      case st::head_ready:
        ++r.heads;
        CHECK(p.request().body.empty());
        p.continue_body(max_body);
        break;
      case st::message_done:
        r.requests.push_back(p.request());
        p.next();
        break;
      case st::upgrade:
      case st::failed:
        r.last = s.st;
        r.status = p.error_status();
        if (s.st == st::upgrade) r.requests.push_back(p.request());
        return r;
    }
  }
  return r;
}

// Feeds the whole text in one piece; returns the first stop.
http1_parser::step feed_all(http1_parser& p, const std::string& text) {
  return p.feed(text.data(), text.size());
}

int status_of(const std::string& text, std::size_t max_body = 1 << 20) {
  const auto r = drive(text, std::string::npos, max_body);
  return r.last == st::failed ? r.status : 0;
}

}  // namespace

TEST_CASE("http1_parser: a simple GET stops after its head, then completes") {
  const std::string text =
      "GET /api/v1/sensores?limit=5&x=%20 HTTP/1.1\r\nHost: h\r\nX-Thing:  a b \t\r\n"
      "ACCEPT: */*\r\n\r\n";
  http1_parser p(8192);
  const auto s = feed_all(p, text);
  REQUIRE(s.st == st::head_ready);
  CHECK(s.consumed < text.size());  // the rest is fed after continue_body()
  const auto& req = p.request();
  CHECK(req.method == "GET");
  CHECK(req.path == "/api/v1/sensores");
  CHECK(req.query == "limit=5&x=%20");
  CHECK(req.header("host") == "h");
  CHECK(req.header("x-thing") == "a b");
  CHECK(req.header("accept") == "*/*");
  CHECK(req.version_minor == 1);
  CHECK_FALSE(req.head);
  CHECK(p.keep_alive());
  CHECK_FALSE(p.has_body());
  CHECK_FALSE(p.expects_continue());
  CHECK(p.content_length() == 0);
  p.continue_body(0);
  const auto done = p.feed(text.data() + s.consumed, text.size() - s.consumed);
  CHECK(done.st == st::message_done);
  CHECK(s.consumed + done.consumed == text.size());
  CHECK(p.request().body.empty());
  // Waiting for next(): nothing more is consumed.
  CHECK(p.feed("GET", 3).st == st::message_done);
  CHECK(p.feed("GET", 3).consumed == 0);
}

TEST_CASE("http1_parser: keep-alive is 1.1's default and 1.0's exception") {
  const auto keep = [](const std::string& version, const std::string& connection) {
    http1_parser p(8192);
    std::string text = "GET / " + version + "\r\n";
    if (!connection.empty()) text += "Connection: " + connection + "\r\n";
    text += "\r\n";
    REQUIRE(feed_all(p, text).st == st::head_ready);
    CHECK(p.request().version_minor == (version == "HTTP/1.0" ? 0 : 1));
    return p.keep_alive();
  };
  CHECK(keep("HTTP/1.1", ""));
  CHECK(keep("HTTP/1.1", "keep-alive"));
  CHECK_FALSE(keep("HTTP/1.1", "close"));
  CHECK_FALSE(keep("HTTP/1.1", "TE, Close"));
  CHECK_FALSE(keep("HTTP/1.0", ""));
  CHECK(keep("HTTP/1.0", "Keep-Alive"));
  CHECK_FALSE(keep("HTTP/1.0", "close"));
}

TEST_CASE("http1_parser: pipelined requests in one buffer stop at each message's end") {
  const std::string first = "POST /a HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc";
  const std::string second = "GET /b?q HTTP/1.1\r\n\r\n";
  const std::string third = "DELETE /c HTTP/1.1\r\nContent-Length: 0\r\n\r\n";
  const std::string text = first + second + third;
  http1_parser p(8192);
  std::size_t at = 0;
  const auto head = p.feed(text.data(), text.size());
  REQUIRE(head.st == st::head_ready);
  CHECK(p.content_length() == 3);
  CHECK(p.has_body());
  p.continue_body(100);
  at += head.consumed;
  const auto done = p.feed(text.data() + at, text.size() - at);
  REQUIRE(done.st == st::message_done);
  at += done.consumed;
  CHECK(at == first.size());
  CHECK(p.request().body == "abc");
  CHECK(p.request().method == "POST");
  p.next();
  for (const std::string& expected : {second, third}) {
    const std::size_t start = at;
    const auto h = p.feed(text.data() + at, text.size() - at);
    REQUIRE(h.st == st::head_ready);
    at += h.consumed;
    p.continue_body(100);
    const auto d = p.feed(text.data() + at, text.size() - at);
    REQUIRE(d.st == st::message_done);
    at += d.consumed;
    CHECK(at - start == expected.size());
    CHECK(p.request().body.empty());
    p.next();
  }
  CHECK(at == text.size());
}

TEST_CASE("http1_parser: byte-at-a-time and every piece size give the same requests") {
  const std::string text =
      "POST /a?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\nX-Long: "
      "abcdefghijklmnopqrstuvwxyz\r\n\r\nhello worldGET http://h/b HTTP/1.0\r\n"
      "Connection: keep-alive\r\n\r\n"
      "PUT /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;a=b\r\nabc\r\n1\r\nd\r\n0\r\nT: "
      "v\r\n\r\n";
  for (std::size_t piece = 1; piece <= text.size(); piece = piece < 16 ? piece + 1 : piece * 2) {
    CAPTURE(piece);
    const auto r = drive(text, piece);
    CHECK(r.last == st::need_more);
    CHECK(r.offset == text.size());
    CHECK(r.heads == 3);
    REQUIRE(r.requests.size() == 3);
    CHECK(r.requests[0].path == "/a");
    CHECK(r.requests[0].query == "x=1");
    CHECK(r.requests[0].header("x-long") == "abcdefghijklmnopqrstuvwxyz");
    CHECK(r.requests[0].body == "hello world");
    CHECK(r.requests[1].path == "/b");
    CHECK(r.requests[1].version_minor == 0);
    CHECK(r.requests[2].method == "PUT");
    CHECK(r.requests[2].body == "abcd");
  }
}

TEST_CASE("http1_parser: a chunked body is decoded, extensions and trailers skipped") {
  const std::string text =
      "POST /c HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n"
      "5;name=value;x=\"q\"\r\nhello\r\n6\r\n world\r\nA\r\n0123456789\r\n0;last\r\n"
      "X-Trailer: t\r\nX-Other: u\r\n\r\n";
  http1_parser p(8192);
  auto s = feed_all(p, text);
  REQUIRE(s.st == st::head_ready);
  CHECK(p.chunked());
  CHECK(p.has_body());
  CHECK(p.content_length() == 0);
  p.continue_body(21);  // exactly the decoded size
  const auto d = p.feed(text.data() + s.consumed, text.size() - s.consumed);
  REQUIRE(d.st == st::message_done);
  CHECK(s.consumed + d.consumed == text.size());
  CHECK(p.request().body == "hello world0123456789");
  CHECK(p.request().header("x-trailer").empty());  // trailers are not headers
}

TEST_CASE("http1_parser: Expect: 100-continue on HTTP/1.1 only") {
  const auto expects = [](const std::string& text) {
    http1_parser p(8192);
    REQUIRE(feed_all(p, text).st == st::head_ready);
    return p.expects_continue();
  };
  CHECK(expects("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n"));
  CHECK_FALSE(expects("POST / HTTP/1.1\r\nContent-Length: 1\r\n\r\n"));
  CHECK_FALSE(expects("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n"));
}

TEST_CASE("http1_parser: HEAD reads as GET with head set") {
  const auto r = drive("HEAD /api/v1/sensores HTTP/1.1\r\n\r\n");
  REQUIRE(r.requests.size() == 1);
  CHECK(r.requests[0].method == "GET");
  CHECK(r.requests[0].head);
  CHECK(r.requests[0].path == "/api/v1/sensores");
}

TEST_CASE("http1_parser: absolute-form targets become their path") {
  auto r = drive("GET http://example.com:8080/api/v1/x?y=1 HTTP/1.1\r\nHost: e\r\n\r\n");
  REQUIRE(r.requests.size() == 1);
  CHECK(r.requests[0].path == "/api/v1/x");
  CHECK(r.requests[0].query == "y=1");
  r = drive("GET HTTP://example.com HTTP/1.1\r\n\r\n");
  REQUIRE(r.requests.size() == 1);
  CHECK(r.requests[0].path == "/");
  CHECK(r.requests[0].query.empty());
}

TEST_CASE("http1_parser: malformed requests and smuggling attempts are 400") {
  CHECK(status_of("garbage\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nBad Header: x\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n") ==
        400);
  CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n") ==
        400);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length: 3, 3\r\n\r\nabc") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n") ==
        400);
  CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n") ==
        400);
  CHECK(status_of("GET / HTTP/1.1\r\nX-A: one\r\n two\r\n\r\n") == 400);  // obs-fold
  CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n") == 400);
  CHECK(status_of("POST / HTTP/1.1\r\nContent-Length : 3\r\n\r\nabc") == 400);
}

TEST_CASE("http1_parser: a CR must be followed by LF in the head and in chunk framing") {
  CHECK(status_of("GET / HTTP/1.1\rXHost: a\r\n\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: a\rX\r\n") == 400);
  CHECK(status_of("GET / HTTP/1.1\r\nHost: a\r\n\rX") == 400);
  // Bare LFs end lines of the head (as http-parser and most servers take them).
  const auto bare = drive("GET /lf HTTP/1.1\nHost: a\n\nGET /next HTTP/1.1\r\n\r\n");
  REQUIRE(bare.requests.size() == 2);
  CHECK(bare.requests[0].header("host") == "a");
  const std::string head = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (std::size_t piece : {std::size_t{1}, std::size_t{3}, std::string::npos}) {
    CAPTURE(piece);
    CHECK(drive(head + "5\r\nhelloXY0\r\n\r\n", piece).status == 400);
    CHECK(drive(head + "5\rXhello\r\n0\r\n\r\n", piece).status == 400);
    CHECK(drive(head + "5\r\nhello\r\n0\r\nT: v\rX\r\n", piece).status == 400);
    CHECK(drive(head + "5\r\nhello\r\n0\r\n\rX", piece).status == 400);
  }
}

TEST_CASE("http1_parser: repeated headers other than Content-Length and Host are joined") {
  const auto r = drive("GET / HTTP/1.1\r\nX-A: 1\r\nx-a: 2\r\n\r\n");
  REQUIRE(r.requests.size() == 1);
  CHECK(r.requests[0].header("x-a") == "1, 2");
}

TEST_CASE("http1_parser: failures are sticky and describe themselves") {
  http1_parser p(8192);
  const std::string text = "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n";
  const auto s = feed_all(p, text);
  CHECK(s.st == st::failed);
  CHECK(s.consumed <= text.size());
  CHECK(p.failed());
  CHECK(p.error_status() == 400);
  CHECK_FALSE(p.error_detail().empty());
  CHECK_FALSE(p.keep_alive());
  const auto again = p.feed("GET / HTTP/1.1\r\n\r\n", 18);
  CHECK(again.st == st::failed);
  CHECK(again.consumed == 0);
}

TEST_CASE("http1_parser: 505 for versions other than 1.0 and 1.1, 501 for unknown codings") {
  CHECK(status_of("GET / HTTP/2.0\r\n\r\n") == 505);
  CHECK(status_of("GET / HTTP/1.2\r\n\r\n") == 505);
  CHECK(status_of("GET / HTTP/0.9\r\n\r\n") == 505);
  CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n") == 501);
  CHECK(status_of("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n") == 501);
  CHECK(status_of("CONNECT h:443 HTTP/1.1\r\n\r\n") == 501);
}

TEST_CASE("http1_parser: 431 at one byte over max_header_bytes, however it is split") {
  const std::string head =
      "GET /p HTTP/1.1\r\nHost: h\r\nX-Pad: " + std::string(100, 'p') + "\r\n\r\n";
  for (std::size_t piece : {std::size_t{1}, std::size_t{7}, head.size()}) {
    CAPTURE(piece);
    auto r = drive(head, piece, 0, head.size());
    CHECK(r.last == st::need_more);
    CHECK(r.requests.size() == 1);
    r = drive(head, piece, 0, head.size() - 1);
    CHECK(r.last == st::failed);
    CHECK(r.status == 431);
  }
  // One huge header fed in small pieces fails before the head ends.
  http1_parser p(256);
  const std::string start = "GET / HTTP/1.1\r\nX-Huge: ";
  REQUIRE(feed_all(p, start).st == st::need_more);
  const std::string pad(64, 'a');
  st last = st::need_more;
  for (int i = 0; i < 10 && last == st::need_more; ++i) last = feed_all(p, pad).st;
  CHECK(last == st::failed);
  CHECK(p.error_status() == 431);
  // A request line alone over the limit.
  CHECK(drive("GET /" + std::string(300, 'x') + " HTTP/1.1\r\n\r\n", 1, 0, 256).status == 431);
}

TEST_CASE("http1_parser: 413 for a declared length over the limit, and while decoding chunks") {
  http1_parser p(8192);
  const std::string text = "POST / HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world";
  const auto s = feed_all(p, text);
  REQUIRE(s.st == st::head_ready);
  p.continue_body(10);
  CHECK(p.failed());
  CHECK(p.error_status() == 413);
  CHECK(p.feed(text.data() + s.consumed, text.size() - s.consumed).st == st::failed);
  // At the limit is fine.
  CHECK(drive(text, std::string::npos, 11).requests.size() == 1);

  const std::string chunked =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  for (std::size_t piece : {std::size_t{1}, chunked.size()}) {
    auto r = drive(chunked, piece, 10);
    CHECK(r.last == st::failed);
    CHECK(r.status == 413);
    r = drive(chunked, piece, 11);
    REQUIRE(r.requests.size() == 1);
    CHECK(r.requests[0].body == "hello world");
  }
}

TEST_CASE("http1_parser: an endless chunk extension is cut off") {
  const std::string text =
      "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=" + std::string(2000, 'e') +
      "\r\nhello\r\n0\r\n\r\n";
  const auto r = drive(text, 16, 100, 512);
  CHECK(r.last == st::failed);
  CHECK(r.status == 400);
}

TEST_CASE("http1_parser: a WebSocket upgrade stops at the head, the frame bytes stay") {
  const std::string head =
      "GET /api/v1/ws?channel=x HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\n"
      "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
      "Sec-WebSocket-Version: 13\r\n\r\n";
  const std::string frame = "\x81\x85\x01\x02\x03\x04iggkn";
  for (std::size_t piece : {std::size_t{1}, std::size_t{5}, head.size() + frame.size()}) {
    CAPTURE(piece);
    const auto r = drive(head + frame, piece);
    CHECK(r.last == st::upgrade);
    CHECK(r.offset == head.size());
    REQUIRE(r.requests.size() == 1);
    CHECK(r.requests[0].path == "/api/v1/ws");
    CHECK(r.requests[0].query == "channel=x");
    CHECK(r.requests[0].header("sec-websocket-version") == "13");
  }
  // Another protocol's Upgrade is ignored: a plain request.
  const auto h2c = drive(
      "GET / HTTP/1.1\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n\r\nGET / "
      "HTTP/1.1\r\n\r\n");
  CHECK(h2c.last == st::need_more);
  CHECK(h2c.requests.size() == 2);
}

TEST_CASE("http1_parser: head_ready waits for continue_body, next() keeps the peer address") {
  http1_parser p(8192);
  p.request().remote_address = "127.0.0.7";
  const std::string text = "POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nab";
  const auto s = feed_all(p, text);
  REQUIRE(s.st == st::head_ready);
  const auto again = p.feed(text.data() + s.consumed, text.size() - s.consumed);
  CHECK(again.st == st::head_ready);
  CHECK(again.consumed == 0);
  p.continue_body(2);
  CHECK(p.feed(text.data() + s.consumed, text.size() - s.consumed).st == st::message_done);
  p.next();
  CHECK(p.request().remote_address == "127.0.0.7");
  CHECK(p.request().path.empty());
  CHECK(p.request().headers.empty());
  CHECK(feed_all(p, "GET /x HTTP/1.1\r\n\r\n").st == st::head_ready);
  CHECK(p.request().path == "/x");
}

// SPDX-License-Identifier: MIT
// libFuzzer harness: the HTTP/1.1 request reader on arbitrary bytes, fed as
// one buffer and again in fuzzer-chosen pieces, acting as a connection does
// (continue_body after head_ready, next() after message_done). Any broken
// invariant aborts: consumed <= len, need_more consumes everything, the
// states come in order, bodies respect their limit, a failure is sticky
// with a known status, and both feedings read the same requests (how the
// bytes arrive must not change what they mean).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "http/http1_parser.hpp"

using sensorhub::http_request;
using sensorhub::ws_detail::http1_parser;
using st = http1_parser::state;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

struct outcome {
  std::vector<http_request> requests;
  bool failed = false;
  bool upgraded = false;
  std::size_t offset = 0;
};

// Piece lengths 1..64 drawn from the fuzzer's own bytes; `whole` feeds all.
struct splitter {
  const std::uint8_t* seed;
  std::size_t size;
  std::size_t i = 0;
  bool whole;
  std::size_t next(std::size_t left) {
    if (whole || size == 0) return left;
    const std::size_t n = 1 + seed[i++ % size] % 64;
    return n < left ? n : left;
  }
};

void check_done(http1_parser& p, std::size_t max_body) {
  const auto& r = p.request();
  check(r.body.size() <= max_body);
  if (!p.chunked()) check(r.body.size() == p.content_length());
  check(!r.method.empty());
  check(r.version_minor == 0 || r.version_minor == 1);
  check(r.query.empty() || r.path.find('?') == std::string::npos);
}

outcome run(const std::string& text, splitter pieces, std::size_t max_body, std::size_t max_head) {
  http1_parser p(max_head);
  outcome o;
  bool in_body = false;  // between continue_body() and message_done
  std::size_t rounds = 0;
  while (o.offset < text.size()) {
    check(++rounds <= 4 * text.size() + 16);  // every round makes progress
    const std::size_t n = pieces.next(text.size() - o.offset);
    const auto s = p.feed(text.data() + o.offset, n);
    check(s.consumed <= n);
    o.offset += s.consumed;
    switch (s.st) {
      case st::need_more:
        check(s.consumed == n);
        break;
      case st::head_ready:
        check(!in_body && p.request().body.empty());
        check(p.feed(text.data() + o.offset, text.size() - o.offset).consumed == 0);
        p.continue_body(max_body);
        in_body = !p.failed();
        break;
      case st::message_done:
        check(in_body);
        check_done(p, max_body);
        o.requests.push_back(p.request());
        in_body = false;
        p.next();
        break;
      case st::upgrade:
        check(!in_body);
        o.upgraded = true;
        o.requests.push_back(p.request());
        return o;
      case st::failed: {
        const int status = p.error_status();
        check(status == 400 || status == 413 || status == 431 || status == 501 || status == 505);
        check(!p.error_detail().empty() && !p.keep_alive());
        check(p.feed(text.data(), text.size()).st == st::failed);
        o.failed = true;
        return o;
      }
    }
  }
  return o;
}

bool same(const http_request& a, const http_request& b) {
  return a.method == b.method && a.path == b.path && a.query == b.query && a.headers == b.headers &&
         a.body == b.body && a.head == b.head && a.version_minor == b.version_minor;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 4) return 0;
  // Two bytes of settings, two of piece seed, then the stream.
  const std::size_t max_body = static_cast<std::size_t>(data[0]) * 4;
  const std::size_t max_head = 64 + static_cast<std::size_t>(data[1]) * 8;
  const std::string text(reinterpret_cast<const char*>(data + 4), size - 4);
  const outcome whole = run(text, {data + 2, 2, 0, true}, max_body, max_head);
  const outcome split = run(text, {data, size, 0, false}, max_body, max_head);
  check(whole.failed == split.failed && whole.upgraded == split.upgraded);
  check(whole.requests.size() == split.requests.size());
  for (std::size_t i = 0; i < whole.requests.size(); ++i) {
    check(same(whole.requests[i], split.requests[i]));
  }
  if (!whole.failed) check(whole.offset == split.offset);
  return 0;
}

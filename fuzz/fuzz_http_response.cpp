// SPDX-License-Identifier: MIT
// libFuzzer harness: sensorhub::client's HTTP/1.x response reader (what
// fetch_aggregates reads from the daemon, or from whatever answers at that
// address) on arbitrary bytes. The first byte picks the size of the pieces
// the rest arrives in. It never throws; an accepted response has a status
// of 100..599, and the answer does not depend on how the bytes were split.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "fuzz_check.hpp"
#include "http_response_parser.hpp"

using sensorhub::client::detail::http_response_parser;
using sensorhub_fuzz::check;

namespace {

// Feeds `text` in pieces of `piece` bytes, stopping once the response is
// complete, as http_get does; then the peer closes.
std::optional<http_response_parser::result> read(const std::string& text, std::size_t piece,
                                                 std::string& error) {
  http_response_parser p;
  for (std::size_t at = 0; at < text.size() && !p.complete(); at += piece) {
    p.feed(text.data() + at, std::min(piece, text.size() - at));
  }
  p.at_eof();
  return p.finish(error);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::size_t piece = 1 + data[0] % 64;
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);

  std::string split_error;
  const auto split = read(text, piece, split_error);
  std::string whole_error;
  const auto whole = read(text, text.size() + 1, whole_error);

  check(split.has_value() == whole.has_value());
  if (!split) {
    check(!split_error.empty());
    return 0;
  }
  check(split->status >= 100 && split->status <= 599);
  check(split->status == whole->status && split->body == whole->body);
  return 0;
}

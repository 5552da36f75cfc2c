#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace sensorhubd {

// Number tokens of untrusted JSON text, for the daemon's RapidJSON readers.
// Pure functions, thread-safe.

// True when `text` (a JSON number token) is a finite double (1e999 is not).
bool finite_json_number(std::string_view text) noexcept;

// A number token replaced by "0" and spaces in a copy of the input; `end` is
// the offset right after that "0", where a reader sees it end.
struct number_swap {
  std::size_t end;
  std::string original;
};

// RapidJSON 1.1.0 stops at a number beyond double range (1e999, and even
// 0e999) despite kParseNumbersAsStringsFlag, but such a document is
// well-formed JSON with an out-of-range value (a 422, not a 400). Returns a
// copy of `text` where every number token outside strings is replaced by "0"
// and spaces, and fills `swaps` in document order so that a reader can put
// the original text back by stream position. A run of number characters that
// is not one valid token ("1e991e9") is left alone, so it still fails to parse.
std::string swap_numbers(std::string_view text, std::vector<number_swap>& swaps);

}  // namespace sensorhubd

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

// RapidJSON 1.1.0 stops at a number beyond double range (1e999) even with
// kParseNumbersAsStringsFlag, but such a document is well-formed JSON with an
// out-of-range value (a 422, not a 400). Returns a copy of `text` where every
// such number token outside strings is replaced by "0" and spaces, and sets
// `ends` (ascending) to the offsets right after each replacing "0", so that a
// reader can tell them apart by the stream position.
std::string replace_huge_numbers(std::string_view text, std::vector<std::size_t>& ends);

}  // namespace sensorhubd

#include "rest/json_numbers.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <system_error>

namespace sensorhubd {

namespace {

// Length of the JSON number token at s[i] ("-0.5e+3"), 0 when the text there
// is not exactly one number of the JSON grammar.
std::size_t number_length(std::string_view s, std::size_t i) noexcept {
  const std::size_t start = i;
  auto digit = [&](std::size_t k) { return k < s.size() && s[k] >= '0' && s[k] <= '9'; };
  if (i < s.size() && s[i] == '-') ++i;
  if (!digit(i)) return 0;
  if (s[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digit(i)) return 0;
    while (digit(i)) ++i;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digit(i)) return 0;
    while (digit(i)) ++i;
  }
  // A digit, sign, dot or exponent right after: not a single number token.
  if (i < s.size() &&
      (digit(i) || s[i] == '.' || s[i] == '-' || s[i] == '+' || s[i] == 'e' || s[i] == 'E')) {
    return 0;
  }
  return i - start;
}

}  // namespace

bool finite_json_number(std::string_view text) noexcept {
  double d = 0.0;
  const char* last = text.data() + text.size();
  const auto r = std::from_chars(text.data(), last, d);
  return r.ec == std::errc() && r.ptr == last && std::isfinite(d);
}

std::string swap_numbers(std::string_view text, std::vector<number_swap>& swaps) {
  swaps.clear();
  std::string out(text);
  auto number_char = [&out](std::size_t k) {
    const char c = out[k];
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
  };
  std::size_t i = 0;
  while (i < out.size()) {
    const char c = out[i];
    if (c == '"') {
      ++i;
      while (i < out.size() && out[i] != '"') i += out[i] == '\\' ? 2 : 1;
      ++i;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      const std::size_t n = number_length(out, i);
      if (n == 0) {
        while (i < out.size() && number_char(i)) ++i;  // not one token: leave it whole
        continue;
      }
      swaps.push_back({i + 1, out.substr(i, n)});
      out[i] = '0';
      std::fill(out.begin() + static_cast<std::ptrdiff_t>(i + 1),
                out.begin() + static_cast<std::ptrdiff_t>(i + n), ' ');
      i += n;
    } else {
      ++i;
    }
  }
  return out;
}

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
#include "json/json_reader.hpp"

// RapidJSON 1.1.0's internal::Stack computes `nullptr + n` before its first
// allocation (fixed upstream after 1.1.0); harmless, but clang's UBSan
// reports it. Exempt RapidJSON's own functions from that one check.
#if defined(__clang__)
#pragma clang attribute push(__attribute__((no_sanitize("pointer-overflow"))), apply_to = function)
#endif
#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>
#if defined(__clang__)
#pragma clang attribute pop
#endif

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <memory>

#include "sensorhub/error.hpp"
#include "json/utf8.hpp"

namespace sensorhub::detail {

namespace {

// SAX handler that builds a json_value tree with an explicit stack (no
// recursion) and enforces the depth and size limits.
// A number token of the JSON grammar that RapidJSON refused as too big for a
// double, replaced in a copy of the input by "0" and spaces; `end` is the
// offset right after that "0".
struct number_swap {
  std::size_t end;
  std::string original;
};

using input_stream = rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream>;

class tree_builder {
 public:
  tree_builder(const json_limits& limits, const input_stream& is,
               const std::vector<number_swap>& swaps)
      : limits_(limits), is_(is), swaps_(swaps) {}

  bool Null() { return add(json_value{}) != nullptr; }
  bool Bool(bool b) {
    json_value v;
    v.type = json_value::kind::boolean;
    v.boolean = b;
    return add(std::move(v)) != nullptr;
  }
  // With kParseNumbersAsStringsFlag every number arrives through RawNumber.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(std::int64_t) { return false; }
  bool Uint64(std::uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    json_value v;
    v.type = json_value::kind::number;
    if (next_swap_ < swaps_.size() && swaps_[next_swap_].end == is_.Tell()) {
      v.text = swaps_[next_swap_++].original;
    } else {
      v.text.assign(s, n);
    }
    return add(std::move(v)) != nullptr;
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    if (!valid_utf8(std::string_view(s, n)))
      return fail("invalid UTF-8 or lone surrogate in string");
    json_value v;
    v.type = json_value::kind::string;
    v.text.assign(s, n);
    return add(std::move(v)) != nullptr;
  }
  bool StartObject() { return open(json_value::kind::object); }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    if (!valid_utf8(std::string_view(s, n))) return fail("invalid UTF-8 or lone surrogate in key");
    stack_.back()->members.emplace_back(std::string(s, n), json_value{});
    return true;
  }
  bool EndObject(rapidjson::SizeType) {
    json_value* obj = stack_.back();
    stack_.pop_back();
    if (obj->members.size() > 1) {
      std::vector<std::string_view> keys;
      keys.reserve(obj->members.size());
      for (const auto& m : obj->members) keys.emplace_back(m.first);
      std::sort(keys.begin(), keys.end());
      const auto dup = std::adjacent_find(keys.begin(), keys.end());
      if (dup != keys.end()) return fail("duplicate key \"" + std::string(*dup) + "\"");
    }
    return true;
  }
  bool StartArray() { return open(json_value::kind::array); }
  bool EndArray(rapidjson::SizeType) {
    stack_.pop_back();
    return true;
  }

  json_value& root() { return root_; }
  const std::string& failure() const { return failure_; }
  bool overflow() const { return overflow_; }

 private:
  // Places v where the parser is: the root, the next array item or the
  // value of the last key. Returns the stored value.
  json_value* add(json_value&& v) {
    if (++count_ > limits_.max_values) {
      overflow_ = true;
      return nullptr;
    }
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    json_value* top = stack_.back();
    if (top->type == json_value::kind::array) {
      top->items.push_back(std::move(v));
      return &top->items.back();
    }
    top->members.back().second = std::move(v);
    return &top->members.back().second;
  }
  bool open(json_value::kind k) {
    if (static_cast<int>(stack_.size()) >= limits_.max_depth) return fail("nesting too deep");
    json_value v;
    v.type = k;
    json_value* stored = add(std::move(v));
    if (stored == nullptr) return false;
    // Pointers stay valid: only the innermost open container grows.
    stack_.push_back(stored);
    return true;
  }
  bool fail(std::string why) {
    failure_ = std::move(why);
    return false;
  }

  const json_limits& limits_;
  const input_stream& is_;
  const std::vector<number_swap>& swaps_;
  std::size_t next_swap_ = 0;
  json_value root_;
  std::vector<json_value*> stack_;
  std::size_t count_ = 0;
  std::string failure_;
  bool overflow_ = false;
};

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

// RapidJSON 1.1.0 rejects numbers beyond double range (1e999) even with
// kParseNumbersAsStringsFlag. Such input is well-formed JSON whose number is
// out of range (a 422, not a 400), so every number token outside strings is
// replaced by "0" padded with spaces and remembered; the handler puts the
// original text back. Linear in the input; used only after that error.
std::string swap_numbers(std::string_view text, std::vector<number_swap>& swaps) {
  std::string out(text);
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
        // Not one number ("1e991e9"): skip the whole run untouched, so no
        // part of it is swapped and the parser still rejects it.
        while (i < out.size() &&
               (std::isdigit(static_cast<unsigned char>(out[i])) || out[i] == '.' ||
                out[i] == '-' || out[i] == '+' || out[i] == 'e' || out[i] == 'E')) {
          ++i;
        }
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

[[noreturn]] void throw_parse_error(const rapidjson::ParseResult& result, const tree_builder& b,
                                    const json_limits& limits) {
  if (b.overflow()) {
    throw validation_error({{limits.overflow_field, limits.overflow_reason}},
                           limits.overflow_field + ": " + limits.overflow_reason);
  }
  std::string detail =
      b.failure().empty() ? std::string(rapidjson::GetParseError_En(result.Code())) : b.failure();
  detail += " at offset " + std::to_string(result.Offset());
  throw error(errc::invalid_json, detail);
}

}  // namespace

json_value parse_json(std::string_view text, const json_limits& limits) {
  if (text.empty()) throw error(errc::invalid_json, "empty body");
  // RapidJSON's streams treat NUL as the end of input; JSON never allows a
  // raw NUL byte, so reject it up front instead of ignoring what follows.
  if (std::memchr(text.data(), '\0', text.size()) != nullptr) {
    throw error(errc::invalid_json, "NUL byte in JSON text");
  }
  std::vector<number_swap> swaps;
  std::string swapped;
  for (int attempt = 0;; ++attempt) {
    const std::string_view input = attempt == 0 ? text : std::string_view(swapped);
    rapidjson::MemoryStream ms(input.data(), input.size());
    input_stream is(ms);
    tree_builder builder(limits, is, swaps);
    rapidjson::Reader reader;
    constexpr unsigned flags = rapidjson::kParseIterativeFlag |
                               rapidjson::kParseValidateEncodingFlag |
                               rapidjson::kParseNumbersAsStringsFlag;
    const rapidjson::ParseResult ok = reader.Parse<flags>(is, builder);
    if (ok) return std::move(builder.root());
    if (ok.Code() == rapidjson::kParseErrorNumberTooBig && attempt == 0) {
      swapped = swap_numbers(text, swaps);
      continue;
    }
    throw_parse_error(ok, builder, limits);
  }
}

bool is_integer_syntax(const json_value& v) noexcept {
  if (!v.is_number() || v.text.empty()) return false;
  return v.text.find_first_of(".eE") == std::string::npos;
}

std::optional<double> to_double(const json_value& v) noexcept {
  if (!v.is_number()) return std::nullopt;
  double d = 0.0;
  const char* first = v.text.data();
  const char* last = first + v.text.size();
  const auto r = std::from_chars(first, last, d);
  if (r.ec != std::errc() || r.ptr != last || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::optional<std::int64_t> to_int64(const json_value& v) noexcept {
  if (!is_integer_syntax(v)) return std::nullopt;
  std::int64_t n = 0;
  const char* first = v.text.data();
  const char* last = first + v.text.size();
  const auto r = std::from_chars(first, last, n);
  if (r.ec != std::errc() || r.ptr != last) return std::nullopt;
  return n;
}

void write_json(std::string& out, const json_value& v) {
  switch (v.type) {
    case json_value::kind::null:
      out += "null";
      break;
    case json_value::kind::boolean:
      out += v.boolean ? "true" : "false";
      break;
    case json_value::kind::number:
      out += v.text;
      break;
    case json_value::kind::string:
      append_json_string(out, v.text);
      break;
    case json_value::kind::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& item : v.items) {
        if (!first) out.push_back(',');
        first = false;
        write_json(out, item);
      }
      out.push_back(']');
      break;
    }
    case json_value::kind::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, value] : v.members) {
        if (!first) out.push_back(',');
        first = false;
        append_json_string(out, key);
        out.push_back(':');
        write_json(out, value);
      }
      out.push_back('}');
      break;
    }
  }
}

}  // namespace sensorhub::detail

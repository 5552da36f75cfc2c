#include "rest/test_event_request.hpp"

#include <rapidjson/encodedstream.h>
#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

#include "rest/json_numbers.hpp"
#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"

namespace sensorhubd {

namespace {

using sensorhub::errc;
using sensorhub::field_errors;

// A hostile body cannot make us allocate much more than it is long.
constexpr std::size_t max_values = 100000;
constexpr const char* channel_reason = "must be one of sensors, readings, general";

using input_stream = rapidjson::EncodedInputStream<rapidjson::UTF8<>, rapidjson::MemoryStream>;

// UTF-8 that RapidJSON let through but that encodes a surrogate (a lone
// "\udc00" escape decodes to ED B0 80).
bool has_surrogate(std::string_view s) noexcept {
  for (std::size_t i = 0; i + 1 < s.size(); ++i) {
    if (static_cast<unsigned char>(s[i]) == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0)
      return true;
  }
  return false;
}

enum class kind { string, object, array, other };

// SAX handler: checks the whole document (depth, size, duplicate keys,
// strings), notes the kind of each top-level member, keeps `channel` and
// `message`, and copies the `data` object compactly (numbers as written,
// strings escaped like every other encoder). Field problems are judged after
// the parse: a malformed document is a 400 even when a field is also wrong.
class request_reader {
 public:
  request_reader(const input_stream& is, const std::vector<number_swap>& swaps)
      : is_(is), swaps_(swaps) {}

  bool Null() { return value(kind::other, "null"); }
  bool Bool(bool b) { return value(kind::other, b ? "true" : "false"); }
  // With kParseNumbersAsStringsFlag every number arrives through RawNumber.
  bool Int(int) { return false; }
  bool Uint(unsigned) { return false; }
  bool Int64(std::int64_t) { return false; }
  bool Uint64(std::uint64_t) { return false; }
  bool Double(double) { return false; }
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    std::string_view text(s, n);
    if (next_swap_ < swaps_.size() && swaps_[next_swap_].end == is_.Tell()) {
      text = swaps_[next_swap_++].original;
    }
    if (in_data_ && !finite_json_number(text)) data_finite_ = false;
    return value(kind::other, text);
  }
  bool String(const char* s, rapidjson::SizeType n, bool) {
    const std::string_view text(s, n);
    if (has_surrogate(text)) return fail("invalid UTF-8 or lone surrogate in string");
    if (at_top_member() && key_ == "channel") channel_ = sensorhub::parse_channel(text);
    if (at_top_member() && key_ == "message") message_.assign(s, n);
    return value(kind::string, in_data_ ? sensorhub::quote_json(text) : std::string());
  }
  bool Key(const char* s, rapidjson::SizeType n, bool) {
    std::string key(s, n);
    if (has_surrogate(key)) return fail("invalid UTF-8 or lone surrogate in key");
    if (in_data_) {
      separate();
      data_ += sensorhub::quote_json(key);
      data_.push_back(':');
      need_comma_ = false;
    }
    if (!keys_.back().insert(key).second) return fail("duplicate key \"" + key + "\"");
    if (stack_.size() == 1) key_ = std::move(key);
    return true;
  }
  bool StartObject() { return open(kind::object, '{'); }
  bool EndObject(rapidjson::SizeType) { return close('}'); }
  bool StartArray() { return open(kind::array, '['); }
  bool EndArray(rapidjson::SizeType) { return close(']'); }

  // After a successful parse: the request; problems go to errs.
  test_event_request result(field_errors& errs) const {
    test_event_request r;
    if (!root_object_) {
      errs.emplace("body", "must be a JSON object");
      return r;
    }
    for (const auto& [key, k] : top_) {
      if (key == "channel") {
        if (!channel_) errs.emplace(key, channel_reason);
      } else if (key == "message") {
        if (k != kind::string) errs.emplace(key, "must be a string");
      } else if (key == "data") {
        if (k != kind::object) {
          errs.emplace(key, "must be an object");
        } else if (!data_finite_) {
          errs.emplace(key, "number out of range");
        }
      } else {
        errs.emplace(key, "unknown field");
      }
    }
    if (top_.find("channel") == top_.end()) errs.emplace("channel", "required");
    if (channel_) r.chan = *channel_;
    r.message = message_;
    if (!data_.empty()) r.data_json = data_;
    return r;
  }
  const std::string& failure() const { return failure_; }
  bool overflow() const { return overflow_; }

 private:
  // The parser is at a value of the root object.
  bool at_top_member() const noexcept {
    return stack_.size() == 1 && stack_.back() == kind::object;
  }
  void separate() {
    if (need_comma_) data_.push_back(',');
  }
  // Counts one value, records the kind of a top-level member and copies
  // `text` when inside data.
  bool count(kind k) {
    if (++count_ > max_values) {
      overflow_ = true;
      return false;
    }
    if (stack_.empty()) root_object_ = k == kind::object;
    if (at_top_member()) {
      top_[key_] = k;
      if (key_ == "channel" && k != kind::string) channel_.reset();
    }
    return true;
  }
  bool value(kind k, std::string_view text) {
    if (!count(k)) return false;
    if (in_data_) {
      separate();
      data_ += text;
      need_comma_ = true;
    }
    return true;
  }
  bool open(kind k, char brace) {
    if (static_cast<int>(stack_.size()) >= sensorhub::json_max_depth)
      return fail("nesting too deep");
    if (!count(k)) return false;
    if (at_top_member() && key_ == "data" && k == kind::object) {
      in_data_ = true;
      data_.clear();
      data_finite_ = true;
    }
    if (in_data_) {
      separate();
      data_.push_back(brace);
      need_comma_ = false;
    }
    stack_.push_back(k);
    if (k == kind::object) keys_.emplace_back();
    return true;
  }
  bool close(char brace) {
    if (stack_.back() == kind::object) keys_.pop_back();
    stack_.pop_back();
    if (in_data_) {
      data_.push_back(brace);
      need_comma_ = true;
      if (stack_.size() == 1) in_data_ = false;  // the data object itself closed
    }
    return true;
  }
  bool fail(std::string why) {
    failure_ = std::move(why);
    return false;
  }

  const input_stream& is_;
  const std::vector<number_swap>& swaps_;
  std::size_t next_swap_ = 0;
  std::vector<kind> stack_;
  std::vector<std::set<std::string>> keys_;
  std::size_t count_ = 0;
  bool overflow_ = false;
  std::string failure_;

  bool root_object_ = false;
  std::string key_;  // the current top-level key
  std::map<std::string, kind> top_;
  std::optional<sensorhub::channel> channel_;
  std::string message_;
  bool in_data_ = false;
  bool need_comma_ = false;
  bool data_finite_ = true;
  std::string data_;
};

[[noreturn]] void reject(field_errors errs) {
  std::string detail = "invalid message:";
  for (const auto& [field, why] : errs) detail += " " + field + ": " + why + ";";
  detail.pop_back();
  throw sensorhub::validation_error(std::move(errs), detail);
}

}  // namespace

test_event_request parse_test_event_request(std::string_view body) {
  if (body.empty()) throw sensorhub::error(errc::invalid_json, "empty body");
  // RapidJSON's streams treat NUL as the end of input; JSON never allows a
  // raw NUL byte, so reject it up front instead of ignoring what follows.
  if (std::memchr(body.data(), '\0', body.size()) != nullptr)
    throw sensorhub::error(errc::invalid_json, "NUL byte in JSON text");
  std::vector<number_swap> swaps;
  std::string swapped;
  for (int attempt = 0;; ++attempt) {
    const std::string_view input = attempt == 0 ? body : std::string_view(swapped);
    rapidjson::MemoryStream ms(input.data(), input.size());
    input_stream is(ms);
    request_reader reader(is, swaps);
    rapidjson::Reader parser;
    constexpr unsigned flags = rapidjson::kParseIterativeFlag |
                               rapidjson::kParseValidateEncodingFlag |
                               rapidjson::kParseNumbersAsStringsFlag;
    const rapidjson::ParseResult ok = parser.Parse<flags>(is, reader);
    if (ok) {
      field_errors errs;
      test_event_request r = reader.result(errs);
      if (!errs.empty()) reject(std::move(errs));
      return r;
    }
    if (ok.Code() == rapidjson::kParseErrorNumberTooBig && attempt == 0) {
      swapped = swap_numbers(body, swaps);
      continue;
    }
    if (reader.overflow()) {
      throw sensorhub::validation_error({{"body", "too many JSON values"}},
                                        "body: too many JSON values");
    }
    std::string detail = reader.failure().empty()
                             ? std::string(rapidjson::GetParseError_En(ok.Code()))
                             : reader.failure();
    detail += " at offset " + std::to_string(ok.Offset());
    throw sensorhub::error(errc::invalid_json, detail);
  }
}

}  // namespace sensorhubd

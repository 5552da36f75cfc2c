// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

namespace sensorhub::testing {

// A null-safe read-only view of a RapidJSON value for assertions: indexing a
// missing member or a non-object yields an empty view instead of UB, and the
// accessors return nullopt/markers instead of asserting. Cheap to copy; valid
// while the document it points into lives. Not thread-safe (read-only use of
// one document from several threads is fine).
class jv {
 public:
  jv() = default;
  explicit jv(const rapidjson::Value* v) noexcept : v_(v) {}

  jv operator[](std::string_view key) const noexcept;
  jv operator[](const char* key) const noexcept { return (*this)[std::string_view(key)]; }
  jv at(std::size_t index) const noexcept;

  bool exists() const noexcept { return v_ != nullptr; }
  bool is_null() const noexcept { return v_ != nullptr && v_->IsNull(); }
  bool is_string() const noexcept { return v_ != nullptr && v_->IsString(); }
  bool is_bool() const noexcept { return v_ != nullptr && v_->IsBool(); }
  bool is_int() const noexcept { return v_ != nullptr && v_->IsInt64(); }
  bool is_number() const noexcept { return v_ != nullptr && v_->IsNumber(); }
  bool is_object() const noexcept { return v_ != nullptr && v_->IsObject(); }
  bool is_array() const noexcept { return v_ != nullptr && v_->IsArray(); }

  // The string, or "<missing>" / "<not a string: JSON>" (readable in failures).
  std::string str() const;
  std::optional<std::int64_t> i64() const noexcept;
  std::optional<double> num() const noexcept;
  std::optional<bool> boolean() const noexcept;
  // Array length or member count; 0 otherwise.
  std::size_t size() const noexcept;
  // Member names of an object (empty set otherwise).
  std::set<std::string> keys() const;
  // Elements of an array of strings (non-strings rendered as JSON).
  std::vector<std::string> strings() const;
  // Compact JSON text ("<missing>" for an empty view).
  std::string dump() const;

  const rapidjson::Value* raw() const noexcept { return v_; }

 private:
  const rapidjson::Value* v_ = nullptr;
};

// Deep equality (object member order ignored, as RapidJSON compares).
bool json_equal(jv a, jv b);

// A parsed JSON document together with the text it came from. Movable.
class json_doc {
 public:
  json_doc() = default;
  // Parses with kParseIterativeFlag | kParseValidateEncodingFlag. Never throws
  // on bad input: ok() tells, error() says why.
  static json_doc parse(std::string text);

  bool ok() const noexcept { return ok_; }
  const std::string& error() const noexcept { return error_; }
  const std::string& text() const noexcept { return text_; }
  jv root() const noexcept { return ok_ ? jv(&doc_) : jv(); }
  jv operator[](std::string_view key) const noexcept { return root()[key]; }
  jv operator[](const char* key) const noexcept { return root()[key]; }
  jv at(std::size_t i) const noexcept { return root().at(i); }

 private:
  std::string text_;
  rapidjson::Document doc_;
  bool ok_ = false;
  std::string error_;
};

// JSON string literal (with quotes) for building request bodies.
std::string json_quote(std::string_view s);

// True if `s` looks like the server's time format: RFC 3339 UTC with
// microseconds and "+00:00", e.g. 2025-07-20T05:34:11.378577+00:00.
bool is_server_time(std::string_view s);

}  // namespace sensorhub::testing

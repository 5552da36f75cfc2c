// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sensorhub::detail {

// Minimal compact JSON writer used by every encoder: it places commas and
// colons, escapes strings (always valid UTF-8 out) and writes doubles in
// their shortest round-trip form, keeping a ".0" on integral values so they
// stay recognizably floating point (21.0, not 21). The caller is responsible
// for well-formed nesting. Not thread-safe; one writer per message.
class json_writer {
 public:
  json_writer& begin_object();
  json_writer& end_object();
  json_writer& begin_array();
  json_writer& end_array();
  json_writer& key(std::string_view k);

  json_writer& str(std::string_view s);
  json_writer& i64(std::int64_t v);
  json_writer& u64(std::uint64_t v);
  // Non-finite values cannot be represented in JSON and are written as null.
  json_writer& dbl(double v);
  json_writer& boolean(bool b);
  json_writer& null();
  // Inserts already-serialized JSON as one value.
  json_writer& raw(std::string_view json);

  std::string& out() noexcept { return out_; }
  std::string take() { return std::move(out_); }

 private:
  void separate();

  std::string out_;
  bool need_comma_ = false;
};

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sensorhub::detail {

// Strict UTF-8 check (RFC 3629): no overlong forms, no surrogate code points
// (U+D800..U+DFFF, e.g. a decoded lone "\uDC00"), nothing above U+10FFFF.
bool valid_utf8(std::string_view s) noexcept;

// Appends `s` to `out` as a JSON string literal (quotes included). Control
// characters, '"' and '\\' are escaped; invalid UTF-8 is replaced by U+FFFD so
// that the output is always valid JSON.
void append_json_string(std::string& out, std::string_view s);

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#pragma once

// Helpers shared by the libFuzzer harnesses: an invariant check that aborts
// (libFuzzer and the replay driver both report an abort as a crash) and the
// encoders the round-trip checks need. Header-only; no state.
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "sensorhub/event.hpp"
#include "sensorhub/filter.hpp"

namespace sensorhub_fuzz {

inline void check(bool ok) {
  if (!ok) std::abort();
}

// Percent-encodes every byte outside [A-Za-z0-9._~-] (',' '&' '=' '+' '%'
// included), so that the query parser decodes it back to `s`.
inline std::string percent_encode(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 'a' && u <= 'z') || (u >= '0' && u <= '9') || u == '.' ||
        u == '_' || u == '~' || u == '-') {
      out.push_back(c);
    } else {
      out.push_back('%');
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    }
  }
  return out;
}

// The fields of an event_filter the parsers fill (not the predicate).
inline bool same_filter(const sensorhub::event_filter& a, const sensorhub::event_filter& b) {
  return a.entity_id == b.entity_id && a.sensor_id == b.sensor_id &&
         a.event_types == b.event_types && a.tipo == b.tipo && !a.predicate && !b.predicate;
}

}  // namespace sensorhub_fuzz

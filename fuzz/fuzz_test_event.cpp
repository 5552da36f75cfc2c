// SPDX-License-Identifier: MIT
// libFuzzer harness: the daemon's POST /api/v1/ws/test-event body parser on
// arbitrary bytes. It may throw sensorhub::error (validation_error
// included); anything else is a bug. What it accepts re-serializes `data`,
// which must be a JSON object and must parse again the same way.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rest/test_event_request.hpp"
#include "sensorhub/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto r = sensorhubd::parse_test_event_request(text);
    if (r.data_json.empty() || r.data_json.front() != '{' || r.data_json.back() != '}')
      std::abort();
    // Round trip: the accepted request, rebuilt from what was kept, parses
    // to the same data.
    const std::string again = R"({"channel":"general","message":"m","data":)" + r.data_json + "}";
    if (sensorhubd::parse_test_event_request(again).data_json != r.data_json) std::abort();
  } catch (const sensorhub::error&) {
  }
  return 0;
}

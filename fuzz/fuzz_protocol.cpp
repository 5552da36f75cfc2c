// libFuzzer harness: WebSocket client messages, the test-event body, query
// strings, ids and times on arbitrary bytes. Parsers may throw
// sensorhub::error; anything else is a bug.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sensorhub/error.hpp"
#include "sensorhub/protocol.hpp"
#include "sensorhub/time.hpp"

using namespace sensorhub;

namespace {
void check(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const client_message m = parse_client_message(text);
    if (m.type == client_message_type::subscribe || m.type == client_message_type::unsubscribe) {
      check(m.chan.has_value());
    }
  } catch (const error&) {
  }
  try {
    const test_event_request r = parse_test_event_request(text);
    // The re-serialized data is itself acceptable as test-event data.
    const auto again =
        parse_test_event_request("{\"channel\":\"general\",\"data\":" + r.data_json + "}");
    check(again.data_json == r.data_json);
  } catch (const error&) {
  }
  try {
    const query_params q = parse_query_string(text);
    (void)parse_filter_params(q);
  } catch (const error&) {
  }
  if (const auto id = parse_id(text)) check(*id > 0);
  (void)parse_uint(text);
  if (const auto t = parse_time(text)) check(parse_time(format_time(*t)) == t);
  return 0;
}

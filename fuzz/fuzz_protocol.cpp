// libFuzzer harness: WebSocket client messages, query strings, ids and times
// on arbitrary bytes (the REST test-event body is parsed by the daemon now,
// apps/sensorhubd/rest/test_event_request.cpp). Parsers may throw
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
    const query_params q = parse_query_string(text);
    (void)parse_filter_params(q);
  } catch (const error&) {
  }
  if (const auto id = parse_id(text)) check(*id > 0);
  (void)parse_uint(text);
  if (const auto t = parse_time(text)) check(parse_time(format_time(*t)) == t);
  return 0;
}

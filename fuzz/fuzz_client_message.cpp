// SPDX-License-Identifier: MIT
// libFuzzer harness: the WebSocket client-message parser (SPEC §3: ping,
// get_stats, subscribe, unsubscribe) on arbitrary bytes. It may throw
// sensorhub::error (invalid_json, or a validation_error naming the fields);
// anything else is a bug. A message it accepts is written back as JSON and
// must parse again to the same message (round trip).
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/protocol.hpp"

using namespace sensorhub;
using sensorhub_fuzz::check;

namespace {

const char* type_name(client_message_type t) {
  switch (t) {
    case client_message_type::ping:
      return "ping";
    case client_message_type::get_stats:
      return "get_stats";
    case client_message_type::subscribe:
      return "subscribe";
    case client_message_type::unsubscribe:
      return "unsubscribe";
  }
  return "?";
}

template <typename T, typename Fn>
void write_array(std::string& out, const char* key, const std::vector<T>& items, Fn fn) {
  if (items.empty()) return;
  out += std::string(out.back() == '{' ? "" : ",") + "\"" + key + "\":[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? "," : "") + fn(items[i]);
  out += "]";
}

std::string encode(const client_message& m) {
  std::string out = std::string(R"({"type":")") + type_name(m.type) + "\"";
  if (m.chan) out += std::string(R"(,"channel":")") + channel_name(*m.chan) + "\"";
  if (m.type != client_message_type::subscribe) return out + "}";
  if (m.since) out += ",\"since\":" + std::to_string(*m.since);
  out += m.snapshot ? ",\"snapshot\":true" : ",\"snapshot\":false";
  if (m.conflate) out += *m.conflate ? ",\"conflate\":true" : ",\"conflate\":false";
  const auto& f = m.filter;
  out += ",\"filter\":{";
  const auto num = [](std::int64_t id) { return std::to_string(id); };
  write_array(out, "entity_id", f.entity_id, num);
  write_array(out, "sensor_id", f.sensor_id, num);
  write_array(out, "event_type", f.event_types,
              [](event_type t) { return "\"" + std::string(event_type_name(t)) + "\""; });
  write_array(out, "tipo", f.tipo, [](const std::string& s) { return quote_json(s); });
  return out + "}}";
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  client_message m;
  try {
    m = parse_client_message(text);
  } catch (const error&) {
    return 0;
  }
  const bool channelled =
      m.type == client_message_type::subscribe || m.type == client_message_type::unsubscribe;
  check(m.chan.has_value() == channelled);
  if (m.type != client_message_type::subscribe) {
    check(m.filter.empty() && !m.since && !m.snapshot && !m.conflate);
  }
  for (const auto id : m.filter.entity_id) check(id > 0);
  for (const auto id : m.filter.sensor_id) check(id > 0);
  for (const auto& t : m.filter.tipo) check(!t.empty());

  const client_message back = parse_client_message(encode(m));  // must not throw
  check(back.type == m.type && back.chan == m.chan && back.since == m.since &&
        back.snapshot == m.snapshot && back.conflate == m.conflate &&
        sensorhub_fuzz::same_filter(back.filter, m.filter));
  return 0;
}

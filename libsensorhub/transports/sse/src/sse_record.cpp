// SPDX-License-Identifier: MIT
#include "sensorhub/transports/sse_record.hpp"

namespace sensorhub {

namespace {

const char* kind_name(event_kind k) noexcept {
  switch (k) {
    case event_kind::entity:
      return "entity_event";
    case event_kind::system:
      return "system_event";
    case event_kind::test:
      return "test_event";
  }
  return "message";
}

// Appends `data: <line>\n` per line of text (CR, LF and CRLF end lines).
void append_data(std::string& out, std::string_view text) {
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find_first_of("\r\n", start);
    out += "data: ";
    out.append(text.substr(start, end == std::string_view::npos ? end : end - start));
    out += '\n';
    if (end == std::string_view::npos) return;
    start = end + 1;
    if (text[end] == '\r' && start < text.size() && text[start] == '\n') ++start;
  }
}

}  // namespace

std::string sse_record(std::string_view event_name, std::optional<std::uint64_t> id,
                       std::string_view data) {
  std::string out;
  out.reserve(data.size() + event_name.size() + 40);
  if (id) {
    out += "id: ";
    out += std::to_string(*id);
    out += '\n';
  }
  out += "event: ";
  out.append(event_name);
  out += '\n';
  append_data(out, data);
  out += '\n';
  return out;
}

std::string sse_event_record(const event& e) {
  const std::string_view data = e.json ? std::string_view(*e.json) : std::string_view("{}");
  std::optional<std::uint64_t> id;
  if (e.seq != 0) id = e.seq;
  return sse_record(kind_name(e.kind), id, data);
}

std::string_view sse_message_type(std::string_view json) noexcept {
  constexpr std::string_view prefix = "{\"type\":\"";
  if (json.substr(0, prefix.size()) != prefix) return "message";
  json.remove_prefix(prefix.size());
  const std::size_t end = json.find('"');
  if (end == std::string_view::npos || end == 0) return "message";
  const std::string_view type = json.substr(0, end);
  for (const char c : type) {  // a name of ours: never a line break or escape
    if (c == '\\' || c == '\n' || c == '\r') return "message";
  }
  return type;
}

std::string sse_comment(std::string_view text) {
  std::string out = ": ";
  out.append(text);
  out += "\n\n";
  return out;
}

std::string sse_slow_consumer_record() {
  return sse_record("slow_consumer", std::nullopt, R"({"error":"slow_consumer"})");
}

}  // namespace sensorhub

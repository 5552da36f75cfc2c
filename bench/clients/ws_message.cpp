// SPDX-License-Identifier: MIT
#include "clients/ws_message.hpp"

#include <charconv>
#include <cstring>
#include <utility>

#include <rapidjson/document.h>

namespace bench {

namespace {

using pool_allocator = rapidjson::MemoryPoolAllocator<>;
using document = rapidjson::GenericDocument<rapidjson::UTF8<>, pool_allocator, pool_allocator>;
using value = document::ValueType;

std::int64_t int_member(const value& obj, const char* name) {
  const auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsInt64()) {
    return -1;
  }
  return it->value.GetInt64();
}

bool string_member_is(const value& obj, const char* name, const char* expected) {
  const auto it = obj.FindMember(name);
  return it != obj.MemberEnd() && it->value.IsString() &&
         std::strcmp(it->value.GetString(), expected) == 0;
}

std::string string_member(const value& obj, const char* name) {
  const auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || !it->value.IsString()) {
    return {};
  }
  return std::string(it->value.GetString(), it->value.GetStringLength());
}

std::int64_t marker_index(const value& data, std::string_view prefix) {
  const auto it = data.FindMember("modelo");
  if (it == data.MemberEnd() || !it->value.IsString()) {
    return -1;
  }
  const std::string_view s(it->value.GetString(), it->value.GetStringLength());
  if (s.size() <= prefix.size() + 1 || s.compare(0, prefix.size(), prefix) != 0 ||
      s[prefix.size()] != '-') {
    return -1;
  }
  std::int64_t index = -1;
  const char* first = s.data() + prefix.size() + 1;
  const char* last = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(first, last, index);
  if (ec != std::errc() || ptr != last) {
    return -1;
  }
  return index;
}

}  // namespace

ws_message parse_ws_message(std::string_view payload, std::string_view marker_prefix) {
  // Scratch memory reused across messages so a parse does not hit malloc.
  thread_local char value_buffer[32 * 1024];
  thread_local char stack_buffer[4 * 1024];
  pool_allocator value_alloc(value_buffer, sizeof value_buffer);
  pool_allocator stack_alloc(stack_buffer, sizeof stack_buffer);
  document doc(&value_alloc, sizeof stack_buffer, &stack_alloc);

  ws_message m;
  doc.Parse<rapidjson::kParseIterativeFlag>(payload.data(), payload.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    m.kind = message_kind::invalid;
    return m;
  }
  const auto type = doc.FindMember("type");
  if (type == doc.MemberEnd() || !type->value.IsString()) {
    m.kind = message_kind::invalid;
    return m;
  }
  const char* t = type->value.GetString();
  if (std::strcmp(t, "entity_event") == 0) {
    m.kind = message_kind::entity_event;
    m.seq = int_member(doc, "seq");
    m.entity_id = int_member(doc, "entity_id");
    m.is_reading = string_member_is(doc, "entity_type", "lectura");
    const auto data = doc.FindMember("data");
    if (!m.is_reading && !marker_prefix.empty() && data != doc.MemberEnd() &&
        data->value.IsObject()) {
      m.write_index = marker_index(data->value, marker_prefix);
    }
  } else if (std::strcmp(t, "connection_established") == 0) {
    m.kind = message_kind::connection_established;
  } else if (std::strcmp(t, "stats") == 0) {
    m.kind = message_kind::stats;
  } else if (std::strcmp(t, "resume_failed") == 0) {
    m.kind = message_kind::resume_failed;
    m.text = string_member(doc, "reason");
    m.oldest_seq = int_member(doc, "oldest_seq");
  } else if (std::strcmp(t, "error") == 0) {
    m.kind = message_kind::error;
    m.text = string_member(doc, "error") + ": " + string_member(doc, "detail");
  }
  return m;
}

namespace {

// Where `key` starts: searched from `hint` first (both servers write the
// keys in the same order, so each search is short), then from the start.
std::size_t find_key(std::string_view p, std::string_view key, std::size_t hint) {
  const auto at = p.find(key, hint);
  return at != std::string_view::npos || hint == 0 ? at : p.find(key);
}

// The integer right after `key` (e.g. "seq":), or -1; `hint` moves past it.
std::int64_t int_after(std::string_view p, std::string_view key, std::size_t& hint) {
  const auto at = find_key(p, key, hint);
  if (at == std::string_view::npos) return -1;
  std::int64_t v = -1;
  const char* first = p.data() + at + key.size();
  const auto [ptr, ec] = std::from_chars(first, p.data() + p.size(), v);
  hint = static_cast<std::size_t>(ptr - p.data());
  return ec == std::errc() && ptr != first ? v : -1;
}

constexpr std::string_view event_type_key = "\"type\":\"entity_event\"";

}  // namespace

ws_scanner::ws_scanner(std::string marker_prefix)
    : marker_prefix_(std::move(marker_prefix)),
      marker_key_("\"modelo\":\"" + marker_prefix_ + "-") {}

ws_message ws_scanner::scan(std::string_view p) const {
  ws_message m;
  // Both servers write "type" first: then one comparison decides.
  const bool event = (p.size() > 1 && p.compare(1, event_type_key.size(), event_type_key) == 0) ||
                     p.find(event_type_key) != std::string_view::npos;
  if (event) {
    m.kind = message_kind::entity_event;
    std::size_t hint = 0;
    m.seq = int_after(p, "\"seq\":", hint);
    const std::string_view type_key = "\"entity_type\":\"";
    const auto type_at = find_key(p, type_key, hint);
    m.is_reading = type_at != std::string_view::npos &&
                   p.compare(type_at + type_key.size(), 8, "lectura\"") == 0;
    if (type_at != std::string_view::npos) hint = type_at;
    m.entity_id = int_after(p, "\"entity_id\":", hint);
    if (!m.is_reading && !marker_prefix_.empty()) {
      const auto at = find_key(p, marker_key_, hint);
      if (at != std::string_view::npos) {
        const char* first = p.data() + at + marker_key_.size();
        std::int64_t index = -1;
        const auto [ptr, ec] = std::from_chars(first, p.data() + p.size(), index);
        if (ec == std::errc() && ptr != first && ptr < p.data() + p.size() && *ptr == '"') {
          m.write_index = index;
        }
      }
    }
    return m;
  }
  if (p.find("\"type\":\"connection_established\"") != std::string_view::npos) {
    m.kind = message_kind::connection_established;
    return m;
  }
  return parse_ws_message(p, marker_prefix_);
}

}  // namespace bench

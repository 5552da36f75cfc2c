// SPDX-License-Identifier: MIT
// parse_json_object: the core's hostile-input reader, exposed for JSON
// bodies that are not entities.
#include <utility>

#include "json/json_reader.hpp"
#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"

namespace sensorhub {
namespace {

using detail::json_value;

json_field::kind kind_of(json_value::kind k) noexcept {
  switch (k) {
    case json_value::kind::null:
      return json_field::kind::null;
    case json_value::kind::boolean:
      return json_field::kind::boolean;
    case json_value::kind::number:
      return json_field::kind::number;
    case json_value::kind::string:
      return json_field::kind::string;
    case json_value::kind::array:
      return json_field::kind::array;
    case json_value::kind::object:
      break;
  }
  return json_field::kind::object;
}

// Every number inside v is a finite double; iterative (v may be deep).
bool all_finite(const json_value& v) {
  std::vector<const json_value*> todo{&v};
  while (!todo.empty()) {
    const json_value* x = todo.back();
    todo.pop_back();
    if (x->is_number() && !detail::to_double(*x)) return false;
    for (const auto& item : x->items) todo.push_back(&item);
    for (const auto& member : x->members) todo.push_back(&member.second);
  }
  return true;
}

}  // namespace

std::vector<std::pair<std::string, json_field>> parse_json_object(std::string_view text,
                                                                  std::size_t max_values) {
  detail::json_limits limits;
  limits.max_depth = json_max_depth;
  limits.max_values = max_values;
  const json_value root = detail::parse_json(text, limits);
  if (!root.is_object()) {
    throw validation_error({{"body", "must be a JSON object"}}, "body: must be a JSON object");
  }
  std::vector<std::pair<std::string, json_field>> out;
  out.reserve(root.members.size());
  for (const auto& [key, value] : root.members) {
    json_field f;
    f.type = kind_of(value.type);
    if (value.is_string()) {
      f.text = value.text;
    } else {
      detail::write_json(f.text, value);
      f.finite = all_finite(value);
    }
    out.emplace_back(key, std::move(f));
  }
  return out;
}

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#pragma once

// RapidJSON DOM helpers for doctest unit tests that inspect JSON output.
// Needs doctest and RapidJSON (RAPIDJSON_HAS_STDSTRING=1) on the include path.

#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <rapidjson/document.h>

namespace sensorhub::testing {

// Parses `json`; REQUIREs that it is well-formed.
inline rapidjson::Document dom(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.c_str(), json.size());
  REQUIRE_MESSAGE(!d.HasParseError(), json);
  return d;
}

// Parses `json`; REQUIREs a well-formed JSON object.
inline rapidjson::Document dom_object(const std::string& json) {
  rapidjson::Document d = dom(json);
  REQUIRE_MESSAGE(d.IsObject(), json);
  return d;
}

// The member names of an object, in document order (REQUIREs an object).
inline std::vector<std::string> keys(const rapidjson::Value& v) {
  std::vector<std::string> out;
  REQUIRE(v.IsObject());
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) out.emplace_back(it->name.GetString());
  return out;
}

// The strings of an array (REQUIREs an array of strings).
inline std::vector<std::string> strings(const rapidjson::Value& v) {
  std::vector<std::string> out;
  REQUIRE(v.IsArray());
  for (const auto& item : v.GetArray()) {
    REQUIRE(item.IsString());
    out.emplace_back(item.GetString());
  }
  return out;
}

// A string value (REQUIREs a string).
inline std::string str(const rapidjson::Value& v) {
  REQUIRE(v.IsString());
  return v.GetString();
}

}  // namespace sensorhub::testing

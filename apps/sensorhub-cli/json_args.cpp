// SPDX-License-Identifier: MIT
#include "json_args.hpp"

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <stdexcept>

namespace sensorhub::cli {

void require_json_object(const std::string& line) {
  rapidjson::Document d;
  d.Parse(line.data(), line.size());
  if (d.HasParseError() || !d.IsObject())
    throw std::invalid_argument("not a JSON object: " + line.substr(0, 200));
}

std::vector<std::string> json_bodies(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  if (args.empty()) return out;
  const bool objects = !args.front().empty() && args.front().front() == '{';
  if (objects) {
    for (const auto& a : args) {
      require_json_object(a);
      out.push_back(a);
    }
    return out;
  }
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  for (const auto& a : args) {
    const auto eq = a.find('=');
    if (!a.empty() && a.front() == '{')
      throw std::invalid_argument("mix of JSON objects and KEY=VALUE arguments");
    if (eq == std::string::npos || eq == 0)
      throw std::invalid_argument("'" + a + "': expected KEY=VALUE or a JSON object");
    const std::string key = a.substr(0, eq);
    const std::string value = a.substr(eq + 1);
    w.Key(key.c_str(), static_cast<rapidjson::SizeType>(key.size()));
    rapidjson::Document v;
    v.Parse(value.data(), value.size());
    if (!v.HasParseError() && (v.IsNumber() || v.IsBool() || v.IsNull() || v.IsString())) {
      v.Accept(w);
    } else {
      w.String(value.c_str(), static_cast<rapidjson::SizeType>(value.size()));
    }
  }
  w.EndObject();
  out.emplace_back(buf.GetString(), buf.GetSize());
  return out;
}

std::string pretty_json(const std::string& json) {
  rapidjson::Document d;
  d.Parse(json.data(), json.size());
  if (d.HasParseError()) return json;
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.SetIndent(' ', 2);
  d.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace sensorhub::cli

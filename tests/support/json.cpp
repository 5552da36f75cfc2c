// SPDX-License-Identifier: MIT
#include "json.hpp"

#include <regex>

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace sensorhub::testing {

jv jv::operator[](std::string_view key) const noexcept {
  if (v_ == nullptr || !v_->IsObject()) return jv();
  for (auto it = v_->MemberBegin(); it != v_->MemberEnd(); ++it) {
    if (std::string_view(it->name.GetString(), it->name.GetStringLength()) == key) {
      return jv(&it->value);
    }
  }
  return jv();
}

jv jv::at(std::size_t index) const noexcept {
  if (v_ == nullptr || !v_->IsArray() || index >= v_->Size()) return jv();
  return jv(&(*v_)[static_cast<rapidjson::SizeType>(index)]);
}

std::string jv::str() const {
  if (v_ == nullptr) return "<missing>";
  if (!v_->IsString()) return "<not a string: " + dump() + ">";
  return std::string(v_->GetString(), v_->GetStringLength());
}

std::optional<std::int64_t> jv::i64() const noexcept {
  if (v_ == nullptr || !v_->IsInt64()) return std::nullopt;
  return v_->GetInt64();
}

std::optional<double> jv::num() const noexcept {
  if (v_ == nullptr || !v_->IsNumber()) return std::nullopt;
  return v_->GetDouble();
}

std::optional<bool> jv::boolean() const noexcept {
  if (v_ == nullptr || !v_->IsBool()) return std::nullopt;
  return v_->GetBool();
}

std::size_t jv::size() const noexcept {
  if (v_ == nullptr) return 0;
  if (v_->IsArray()) return v_->Size();
  if (v_->IsObject()) return v_->MemberCount();
  return 0;
}

std::set<std::string> jv::keys() const {
  std::set<std::string> out;
  if (v_ == nullptr || !v_->IsObject()) return out;
  for (auto it = v_->MemberBegin(); it != v_->MemberEnd(); ++it) {
    out.emplace(it->name.GetString(), it->name.GetStringLength());
  }
  return out;
}

std::vector<std::string> jv::strings() const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < size() && is_array(); ++i) {
    const jv e = at(i);
    out.push_back(e.is_string() ? e.str() : e.dump());
  }
  return out;
}

std::string jv::dump() const {
  if (v_ == nullptr) return "<missing>";
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v_->Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

bool json_equal(jv a, jv b) {
  if (!a.exists() || !b.exists()) return a.exists() == b.exists();
  return *a.raw() == *b.raw();
}

json_doc json_doc::parse(std::string text) {
  json_doc d;
  d.text_ = std::move(text);
  d.doc_.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(
      d.text_.data(), d.text_.size());
  if (d.doc_.HasParseError()) {
    d.error_ = std::string(rapidjson::GetParseError_En(d.doc_.GetParseError())) + " at offset " +
               std::to_string(d.doc_.GetErrorOffset());
    d.ok_ = false;
  } else {
    d.ok_ = true;
  }
  return d;
}

std::string json_quote(std::string_view s) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buf.GetString(), buf.GetSize());
}

bool is_server_time(std::string_view s) {
  static const std::regex re(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}\+00:00$)");
  return std::regex_match(s.begin(), s.end(), re);
}

}  // namespace sensorhub::testing

// SPDX-License-Identifier: MIT
#include "http/http_util.hpp"

#include <algorithm>
#include <cctype>
#include <limits>

namespace sensorhubd {

using sensorhub::errc;

namespace {

std::string trim_lower(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

[[noreturn]] void bad_param(const std::string& detail) {
  throw sensorhub::error(errc::invalid_parameter, detail);
}

}  // namespace

http_response error_from_exception(const std::exception_ptr& e) {
  try {
    std::rethrow_exception(e);
  } catch (const sensorhub::validation_error& v) {
    return error_response(errc::validation_failed, v.what(), v.fields());
  } catch (const sensorhub::error& v) {
    if (v.code() == errc::storage || v.code() == errc::internal) {
      return error_response(v.code(), "internal error");
    }
    return error_response(v.code(), v.what());
  } catch (...) {
    return error_response(errc::internal, "internal error");
  }
}

bool is_json_content_type(std::string_view content_type) {
  const auto semi = content_type.find(';');
  if (trim_lower(content_type.substr(0, semi)) != "application/json") return false;
  if (semi == std::string_view::npos) return true;
  // Parameters: only charset=utf-8 is meaningful; any other charset is not JSON.
  std::string_view rest = content_type.substr(semi + 1);
  while (!rest.empty()) {
    const auto next = rest.find(';');
    const std::string param = trim_lower(rest.substr(0, next));
    rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next + 1);
    if (param.empty()) continue;
    if (param.rfind("charset=", 0) == 0) {
      std::string v = param.substr(8);
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
      if (v != "utf-8" && v != "utf8") return false;
    }
  }
  return true;
}

sensorhub::query_params parse_query(const http_request& req) {
  return sensorhub::parse_query_string(req.query);
}

std::optional<std::string> single_param(const sensorhub::query_params& q, const std::string& key) {
  const auto n = q.count(key);
  if (n == 0) return std::nullopt;
  if (n > 1) bad_param(key + ": given more than once");
  return q.find(key)->second;
}

std::size_t limit_param(const sensorhub::query_params& q) {
  const auto v = single_param(q, "limit");
  if (!v) return sensorhub::default_list_limit;
  const auto n = sensorhub::parse_uint(*v);
  if (!n) bad_param("limit: must be a non-negative integer");
  if (*n == 0 || *n > sensorhub::max_list_limit) {
    throw sensorhub::validation_error(
        {{"limit", "must be between 1 and " + std::to_string(sensorhub::max_list_limit)}},
        "limit out of range");
  }
  return static_cast<std::size_t>(*n);
}

std::size_t offset_param(const sensorhub::query_params& q) {
  const auto v = single_param(q, "offset");
  if (!v) return 0;
  const auto n = sensorhub::parse_uint(*v);
  if (!n || *n > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
    bad_param("offset: must be a non-negative integer");
  }
  return static_cast<std::size_t>(*n);
}

std::optional<sensorhub::timestamp> time_param(const sensorhub::query_params& q,
                                               const std::string& key) {
  const auto v = single_param(q, key);
  if (!v) return std::nullopt;
  const auto t = sensorhub::parse_time(*v);
  if (!t) bad_param(key + ": must be an RFC 3339 time, e.g. 2025-07-20T05:34:11Z");
  return t;
}

std::optional<std::int64_t> id_param(const sensorhub::query_params& q, const std::string& key) {
  const auto v = single_param(q, key);
  if (!v) return std::nullopt;
  const auto id = sensorhub::parse_id(*v);
  if (!id) bad_param(key + ": must be a positive integer");
  return id;
}

std::int64_t path_id(const std::string& segment) {
  const auto id = sensorhub::parse_id(segment);
  if (!id) bad_param("id: must be a positive integer");
  return *id;
}

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
// fetch_aggregates: GET /api/v1/sensores/{id}/lecturas/agg (docs/protocol.md
// §14.1) over http_get.cpp, the JSON answer read with RapidJSON.

#include "sensorhub/client/history.hpp"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include <stdexcept>

#include "http_get.hpp"
#include "url.hpp"

namespace sensorhub::client {

namespace {

[[noreturn]] void bad(const std::string& what) {
  throw history_error(error_kind::bad_message, "aggregates: " + what);
}

double number_of(const rapidjson::Value& b, const char* key, std::size_t index) {
  const auto it = b.FindMember(key);
  if (it == b.MemberEnd() || !it->value.IsNumber())
    bad("bucket " + std::to_string(index) + ": \"" + key + "\" is not a number");
  return it->value.GetDouble();
}

std::vector<agg_bucket> parse_buckets(const std::string& body) {
  rapidjson::Document d;
  d.Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseStopWhenDoneFlag>(body.data(),
                                                                              body.size());
  if (d.HasParseError())
    bad(std::string("not JSON: ") + rapidjson::GetParseError_En(d.GetParseError()) + " at offset " +
        std::to_string(d.GetErrorOffset()));
  if (!d.IsArray()) bad("the answer is not a JSON array");
  std::vector<agg_bucket> out;
  out.reserve(d.Size());
  std::size_t i = 0;
  for (const auto& b : d.GetArray()) {
    if (!b.IsObject()) bad("bucket " + std::to_string(i) + " is not an object");
    agg_bucket a;
    const auto start = b.FindMember("bucket_start");
    if (start == b.MemberEnd() || !start->value.IsString())
      bad("bucket " + std::to_string(i) + ": \"bucket_start\" is not a string");
    a.bucket_start.assign(start->value.GetString(), start->value.GetStringLength());
    const auto count = b.FindMember("count");
    if (count == b.MemberEnd() || !count->value.IsInt64())
      bad("bucket " + std::to_string(i) + ": \"count\" is not an integer");
    a.count = count->value.GetInt64();
    a.min = number_of(b, "min", i);
    a.max = number_of(b, "max", i);
    a.avg = number_of(b, "avg", i);
    a.first = number_of(b, "first", i);
    a.last = number_of(b, "last", i);
    out.push_back(std::move(a));
    ++i;
  }
  return out;
}

}  // namespace

std::vector<agg_bucket> fetch_aggregates(const history_options& options, std::int64_t sensor_id,
                                         std::string_view bucket, std::optional<std::string> since,
                                         std::optional<std::string> until) {
  for (const char c : options.token)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      throw std::invalid_argument("the token has a control character");
  detail::http_get_request req;
  req.url = detail::parse_url(options.url);
  req.token = options.token;
  req.tls_ca_file = options.tls_ca_file;
  req.tls_verify_peer = options.tls_verify_peer;
  req.timeout = options.timeout;
  req.target = "/api/v1/sensores/" + std::to_string(sensor_id) +
               "/lecturas/agg?bucket=" + detail::percent_encode(std::string(bucket));
  if (since) req.target += "&since=" + detail::percent_encode(*since);
  if (until) req.target += "&until=" + detail::percent_encode(*until);
  detail::http_get_response res = detail::http_get(req);
  if (res.status != 200) {
    std::string msg = "GET " + req.target + ": HTTP " + std::to_string(res.status);
    if (!res.body.empty()) msg += ": " + res.body.substr(0, 500);
    throw history_error(error_kind::rejected, msg, res.status, std::move(res.body));
  }
  return parse_buckets(res.body);
}

}  // namespace sensorhub::client

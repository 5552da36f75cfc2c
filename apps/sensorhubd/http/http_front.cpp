#include "http/http_front.hpp"

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "obs/log.hpp"

namespace sensorhubd {

using sensorhub::errc;

namespace {

bool has_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

void http_front::handle(const http_request& req, http_responder respond) {
  const auto match = routes_.match(req.method, req.path);
  const std::string label = match.found ? match.found->pattern : "unmatched";

  // Count and log each answer once, whichever thread gives it.
  const auto start = std::chrono::steady_clock::now();
  metrics* counters = &counters_;
  auto answered = std::make_shared<std::atomic<bool>>(false);
  http_responder counted = [counters, label, method = req.method, respond = std::move(respond),
                            start, answered](http_response r) {
    if (answered->exchange(true)) return;
    counters->record_request(label, r.status);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    const std::string status = std::to_string(r.status);
    const std::string took = std::to_string(ms);
    log(r.status >= 500 ? log_level::warn : log_level::debug, "http request",
        {{"method", method}, {"route", label}, {"status", status}, {"ms", took}});
    respond(std::move(r));
  };

  if (shutting_down_.load()) {
    counted(error_response(errc::unavailable, "server is shutting down"));
    return;
  }
  if (!match.found) {
    if (match.status == 405) {
      http_response r =
          error_response(errc::method_not_allowed,
                         "method " + req.method + " not allowed; allowed: " + match.allow);
      r.headers.emplace_back("Allow", match.allow);
      counted(std::move(r));
    } else {
      counted(error_response(errc::not_found, "no route for " + req.method + " " + req.path));
    }
    return;
  }
  const route& rt = *match.found;
  scope_t scope;  // unrestricted unless the guard resolves a scoped token
  if (auto refusal = guard_.check_http(req, rt, scope)) {
    counted(std::move(*refusal));
    return;
  }
  if (has_body(req.method)) {
    const std::size_t limit = rt.max_body != 0 ? rt.max_body : default_body_limit_;
    // The transport checked that Content-Length is present and numeric.
    const std::string& length = req.header("content-length");
    const unsigned long long declared = std::strtoull(length.c_str(), nullptr, 10);
    if (declared > limit || req.body.size() > limit) {
      counted(error_response(errc::payload_too_large,
                             "body over the limit of " + std::to_string(limit) + " bytes"));
      return;
    }
    const std::string& type = req.header("content-type");
    if (!is_json_content_type(type)) {
      counted(error_response(errc::unsupported_media_type,
                             type.empty() ? "Content-Type is required: application/json"
                                          : "Content-Type must be application/json"));
      return;
    }
  }
  try {
    rt.handler(req, match.params, scope, counted);
  } catch (...) {
    counted(error_from_exception(std::current_exception()));  // ignored if already answered
  }
}

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
#include "http/http_front.hpp"

#include <cctype>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <string>
#include <utility>

#include "obs/log.hpp"

namespace sensorhubd {

using sensorhub::errc;

// One request from its head to its answer; shared by check_head, handle and
// the counted responder (any thread). Immutable after check_head, except
// `answered`.
struct http_front::request_state {
  router::match_result match;
  std::string label;   // the route pattern, or "unmatched"
  std::string method;  // as logged: "HEAD" for a HEAD request
  scope_t scope;       // unrestricted unless the guard resolves a scoped token
  std::size_t body_limit = 0;
  std::chrono::steady_clock::time_point start;
  std::atomic<bool> answered{false};
};

namespace {

bool has_body(const std::string& method) {
  return method == "POST" || method == "PUT" || method == "PATCH";
}

// The method to route by: HEAD is answered as GET (the new transport hands
// it over as "GET" with head = true; an older one as "HEAD").
const std::string& routing_method(const http_request& req) {
  static const std::string get = "GET";
  return req.method == "HEAD" ? get : req.method;
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
}

// "chunked" among the codings, in any case.
bool is_chunked(std::string transfer_encoding) {
  for (char& c : transfer_encoding)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return transfer_encoding.find("chunked") != std::string::npos;
}

http_response too_large(std::size_t limit) {
  return error_response(errc::payload_too_large,
                        "body over the limit of " + std::to_string(limit) + " bytes");
}

}  // namespace

std::shared_ptr<http_front::request_state> http_front::begin(const http_request& req) const {
  auto s = std::make_shared<request_state>();
  s->match = routes_.match(routing_method(req), req.path);
  s->label = s->match.found ? s->match.found->pattern : "unmatched";
  s->method = req.head ? std::string("HEAD") : req.method;
  s->body_limit = s->match.found && s->match.found->max_body != 0 ? s->match.found->max_body
                                                                  : default_body_limit_;
  s->start = std::chrono::steady_clock::now();
  return s;
}

std::optional<http_response> http_front::refuse_head(const http_request& req, request_state& s) {
  if (shutting_down_.load()) return error_response(errc::unavailable, "server is shutting down");
  if (!s.match.found) {
    if (s.match.status != 405) {
      return error_response(errc::not_found, "no route for " + req.method + " " + req.path);
    }
    http_response r =
        error_response(errc::method_not_allowed,
                       "method " + req.method + " not allowed; allowed: " + s.match.allow);
    r.headers.emplace_back("Allow", s.match.allow);
    return r;
  }
  const std::string& length = req.header("content-length");
  const bool body_method = has_body(req.method);
  if (body_method && length.empty() && !is_chunked(req.header("transfer-encoding"))) {
    return error_response(errc::length_required,
                          "Content-Length or Transfer-Encoding: chunked is required");
  }
  if (auto refusal = guard_.check_http(req, *s.match.found, s.scope)) return refusal;
  // A malformed Content-Length is the transport's 400; overflow saturates.
  if (all_digits(length) && std::strtoull(length.c_str(), nullptr, 10) > s.body_limit) {
    return too_large(s.body_limit);
  }
  if (body_method) {
    const std::string& type = req.header("content-type");
    if (!is_json_content_type(type)) {
      return error_response(errc::unsupported_media_type,
                            type.empty() ? "Content-Type is required: application/json"
                                         : "Content-Type must be application/json");
    }
  }
  return std::nullopt;
}

bool http_front::count_answer(metrics& counters, request_state& s, int status) {
  if (s.answered.exchange(true)) return false;
  counters.record_request(s.label, status);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - s.start).count();
  log(status >= 500 ? log_level::warn : log_level::debug, "http request",
      {{"method", s.method},
       {"route", s.label},
       {"status", std::to_string(status)},
       {"ms", std::to_string(ms)}});
  return true;
}

std::optional<http_response> http_front::check_head(http_request& head, std::size_t& max_body) {
  auto s = begin(head);
  if (auto refusal = refuse_head(head, *s)) {
    count_answer(counters_, *s, refusal->status);
    return refusal;
  }
  max_body = s->body_limit;
  head.context = std::move(s);
  return std::nullopt;
}

void http_front::handle(const http_request& req, http_responder respond) {
  auto s = std::static_pointer_cast<request_state>(req.context);
  const bool head_checked = s != nullptr;
  if (!head_checked) s = begin(req);
  // Count and log each answer once, whichever thread gives it.
  http_responder counted = [counters = &counters_, s,
                            respond = std::move(respond)](http_response r) {
    if (count_answer(*counters, *s, r.status)) respond(std::move(r));
  };
  if (!head_checked) {
    if (auto refusal = refuse_head(req, *s)) {
      counted(std::move(*refusal));
      return;
    }
  }
  if (req.body.size() > s->body_limit) {
    counted(too_large(s->body_limit));
    return;
  }
  try {
    s->match.found->handler(req, s->match.params, s->scope, counted);
  } catch (...) {
    counted(error_from_exception(std::current_exception()));  // ignored if already answered
  }
}

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>

#include "auth/auth.hpp"
#include "http/http_util.hpp"
#include "http/router.hpp"
#include "obs/metrics.hpp"

namespace sensorhubd {

// The HTTP entry point handed to the WebSocket transport, in two steps
// (SPEC §9: decisions on the request head before any body byte is read):
//  - check_head() on the head: 503 while shutting down, routing (404/405),
//    411 when a body method announces no body, the token, scope and write
//    rate (401/403/429, see security), the declared Content-Length against
//    the route's body limit (413) and the JSON content type (415). It sets
//    the body limit for the transport and attaches what it resolved to the
//    request (http_request::context);
//  - handle() on the complete request: the decoded body against the limit
//    (413), then the route's handler. Without a context (a transport that
//    never called check_head) it makes the head decisions itself first.
// A HEAD request is routed as GET. Every answer is counted once in metrics
// by route pattern and status, whichever step or thread gives it.
// Thread-safe once routes are added: both run on network threads.
class http_front {
 public:
  http_front(const router& routes, metrics& counters, security& guard,
             std::size_t default_body_limit)
      : routes_(routes),
        counters_(counters),
        guard_(guard),
        default_body_limit_(default_body_limit) {}

  // nullopt: read the body (at most max_body bytes) and call handle() with
  // the request and head.context; otherwise the answer to send instead
  // (already counted).
  std::optional<http_response> check_head(http_request& head, std::size_t& max_body);
  void handle(const http_request& req, http_responder respond);
  // From now on every request gets 503 unavailable.
  void begin_shutdown() noexcept { shutting_down_.store(true); }

 private:
  struct request_state;  // what the head check resolved; the request's context

  std::shared_ptr<request_state> begin(const http_request& req) const;
  // The head decisions in SPEC order; on nullopt s holds scope and limit.
  std::optional<http_response> refuse_head(const http_request& req, request_state& s);
  // Counts and logs an answer; false when the request was already answered.
  static bool count_answer(metrics& counters, request_state& s, int status);

  const router& routes_;
  metrics& counters_;
  security& guard_;
  const std::size_t default_body_limit_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace sensorhubd

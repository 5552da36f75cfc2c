#pragma once

#include <atomic>
#include <cstddef>

#include "auth/auth.hpp"
#include "http/http_util.hpp"
#include "obs/metrics.hpp"
#include "http/router.hpp"

namespace sensorhubd {

// The HTTP entry point handed to the WebSocket transport: refuses requests
// while shutting down (503), routes (404/405), checks the token, scope and
// write rate (401/403/429, see security), applies the per-route body
// limit (413) and the JSON content type (415) to requests that carry a body,
// runs the handler, and counts every answer by route pattern and status.
// handle() runs on the network thread; thread-safe once routes are added.
class http_front {
 public:
  http_front(const router& routes, metrics& counters, security& guard,
             std::size_t default_body_limit)
      : routes_(routes),
        counters_(counters),
        guard_(guard),
        default_body_limit_(default_body_limit) {}

  void handle(const http_request& req, http_responder respond);
  // From now on every request gets 503 unavailable.
  void begin_shutdown() noexcept { shutting_down_.store(true); }

 private:
  const router& routes_;
  metrics& counters_;
  security& guard_;
  const std::size_t default_body_limit_;
  std::atomic<bool> shutting_down_{false};
};

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "http/http_util.hpp"
#include "http/router.hpp"
#include "sensorhub/auth/token_store.hpp"
#include "sensorhub/transports/rate_limiter.hpp"

namespace sensorhubd {

// What a route demands (SPEC §7).
enum class access { open, read, write, admin };

// The SPEC §7 table in one place: /healthz, /metrics, / and /test-sensors/
// are open; /ws/stats* and /ws/test-event are open with --test-endpoints,
// else read and admin; other GETs need read, every other method write.
access route_access(const route& r, const daemon_config& cfg);

// A verified caller.
struct caller {
  std::string name;  // the token's name (safe to log; the token never is)
  sensorhub::scope_set scopes = 0;
  sensorhub::data_scope where;  // SPEC 7.1: what this caller may see and touch
};

// The daemon's gatekeeper: bearer tokens (checked against an in-memory copy
// of the tokens table, refreshed off the network thread every
// token_poll_interval), scopes, the WebSocket Origin allow-list and the
// REST write rate limits. With --no-auth every check and rate limit is off.
// Thread-safe: check_* run on the network thread while the poller runs on
// its own thread.
class security {
 public:
  // Loads the tokens from cfg.db (unless --no-auth). Throws
  // sensorhub::error on a database failure.
  explicit security(const daemon_config& cfg);
  ~security();
  security(const security&) = delete;
  security& operator=(const security&) = delete;

  // Starts the poller: it writes last_used times and reloads the tokens;
  // for each token that disappeared (revoked) it calls on_revoked with the
  // WebSocket principal of that token (see check_ws).
  void start(std::function<void(const std::string& principal)> on_revoked);
  void stop() noexcept;

  // nullopt: serve the request, limited to `scope` (the token's data scope
  // on routes that check a token; left unrestricted otherwise). Otherwise
  // the refusal: 401 (with WWW-Authenticate: Bearer), 403, or 429 (with
  // Retry-After).
  std::optional<http_response> check_http(const http_request& req, const route& r,
                                          sensorhub::data_scope& scope);
  // The WebSocket handshake: Origin allow-list and token on /ws/secure (and
  // /ws with --no-public-ws). Sets principal to "token:NAME" when a token
  // was required. `scope` becomes the token's data scope whenever a valid
  // token with the read scope came (header or ?token=), also on the public
  // endpoint, where any other token is ignored as before.
  std::optional<http_response> check_ws(const http_request& req, std::string_view path,
                                        std::string& principal, sensorhub::data_scope& scope);

  // The token's owner, if the token is active (constant-time comparison
  // against every stored hash). Records the use for last_used.
  std::optional<caller> verify(std::string_view token);

  static std::string principal_of(const std::string& token_name) { return "token:" + token_name; }

 private:
  void reload(sensorhub::token_store& store);
  void poll_loop(std::function<void(const std::string&)> on_revoked);

  const daemon_config& cfg_;
  std::unique_ptr<sensorhub::token_store> store_;  // poller thread only after start()
  mutable std::shared_mutex tokens_m_;
  std::vector<sensorhub::active_token> tokens_;

  std::mutex used_m_;
  std::map<std::string, sensorhub::timestamp> used_;  // to write as last_used

  sensorhub::rate_limiter writes_by_token_;
  sensorhub::rate_limiter writes_by_address_;

  std::mutex stop_m_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread poller_;
};

// The bearer token of an "Authorization: Bearer X" header; nullopt when the
// header is absent or has another scheme.
std::optional<std::string> bearer_token(const http_request& req);

}  // namespace sensorhubd

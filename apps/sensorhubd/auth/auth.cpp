// SPDX-License-Identifier: MIT
#include "auth/auth.hpp"

#include <algorithm>

#include "obs/log.hpp"
#include "auth/token_store_factory.hpp"
#include "sensorhub/protocol.hpp"

namespace sensorhubd {

using sensorhub::errc;

namespace {

constexpr const char* secure_ws_path = "/api/v1/ws/secure";
constexpr const char* public_ws_path = "/api/v1/ws";
constexpr const char* sse_stream_path = "/api/v1/events/stream";

bool iequals_prefix(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char a = s[i] >= 'A' && s[i] <= 'Z' ? static_cast<char>(s[i] - 'A' + 'a') : s[i];
    if (a != prefix[i]) return false;
  }
  return true;
}

http_response unauthorized(std::string_view detail, bool token_given) {
  http_response r = error_response(errc::unauthorized, detail);
  r.headers.emplace_back("WWW-Authenticate",
                         token_given ? "Bearer realm=\"sensorhub\", error=\"invalid_token\""
                                     : "Bearer realm=\"sensorhub\"");
  return r;
}

sensorhub::scope_set scope_of(access a) {
  switch (a) {
    case access::read:
      return sensorhub::scope_read;
    case access::write:
      return sensorhub::scope_write;
    case access::admin:
      return sensorhub::scope_admin;
    case access::open:
      break;
  }
  return 0;
}

const char* scope_name(access a) {
  return a == access::read ? "read" : a == access::write ? "write" : "admin";
}

// A WebSocket's token: the Authorization header, else ?token=.
std::optional<std::string> ws_token(const http_request& req) {
  std::optional<std::string> token = bearer_token(req);
  if (!token) {
    const auto q = sensorhub::parse_query_string(req.query);  // validated by the transport
    const auto it = q.find("token");
    if (it != q.end()) token = it->second;
  }
  return token;
}

sensorhub::rate_limit write_limit(const daemon_config& cfg) {
  if (cfg.no_auth) return {};
  return {cfg.limits.write_rate_per_s, cfg.limits.write_burst};
}

}  // namespace

access route_access(const route& r, const daemon_config& cfg) {
  const std::string& p = r.pattern;
  if (p == "/healthz" || p == "/readyz" || p == "/metrics" || p == "/") return access::open;
  if (p.rfind("/api/v1/test-sensors", 0) == 0) return access::open;
  if (p == "/api/v1/ws/stats" || p == "/api/v1/ws/stats/{channel}") {
    return cfg.test_endpoints ? access::open : access::read;
  }
  if (p == "/api/v1/ws/test-event") return cfg.test_endpoints ? access::open : access::admin;
  if (p == public_ws_path) return cfg.auth.no_public_ws ? access::read : access::open;
  // Server-Sent Events check their token like /api/v1/ws (check_ws, in the
  // route): the header or ?token=, public unless --no-public-ws.
  if (p == sse_stream_path) return access::open;
  if (p.rfind("/api/v1/tokens", 0) == 0) return access::admin;
  return r.method == "GET" || r.method == "HEAD" ? access::read : access::write;
}

std::optional<std::string> bearer_token(const http_request& req) {
  const std::string& h = req.header("authorization");
  if (h.empty() || !iequals_prefix(h, "bearer ")) return std::nullopt;
  std::string_view t(h);
  t.remove_prefix(7);
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  return std::string(t);
}

security::security(const daemon_config& cfg)
    : cfg_(cfg), writes_by_token_(write_limit(cfg)), writes_by_address_(write_limit(cfg)) {
  if (cfg_.no_auth) return;
  store_ = open_token_store(cfg_.db);
  reload(*store_);
  std::shared_lock<std::shared_mutex> lk(tokens_m_);
  if (tokens_.empty()) {
    log(log_level::warn,
        "no API tokens yet: every route that needs one answers 401; create one with "
        "`sensorhubd token create --name admin --scopes read,write,admin --db <this db>`");
  }
}

security::~security() { stop(); }

void security::reload(sensorhub::token_store& store) {
  auto fresh = store.active();
  std::unique_lock<std::shared_mutex> lk(tokens_m_);
  tokens_ = std::move(fresh);
}

void security::start(std::function<void(const std::string&)> on_revoked) {
  if (cfg_.no_auth || poller_.joinable()) return;
  poller_ = std::thread([this, cb = std::move(on_revoked)] { poll_loop(cb); });
}

void security::stop() noexcept {
  {
    std::lock_guard<std::mutex> lk(stop_m_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  if (poller_.joinable()) poller_.join();
}

void security::poll_loop(std::function<void(const std::string&)> on_revoked) {
  for (;;) {
    {
      std::unique_lock<std::mutex> lk(stop_m_);
      if (stop_cv_.wait_for(lk, cfg_.auth.token_poll_interval, [this] { return stopping_; })) {
        return;
      }
    }
    try {
      std::map<std::string, sensorhub::timestamp> used;
      {
        std::lock_guard<std::mutex> lk(used_m_);
        used.swap(used_);
      }
      for (const auto& [name, when] : used) store_->mark_used(name, when);

      std::vector<std::string> before;
      {
        std::shared_lock<std::shared_mutex> lk(tokens_m_);
        for (const auto& t : tokens_) before.push_back(t.name);
      }
      reload(*store_);
      std::vector<std::string> gone;
      {
        std::shared_lock<std::shared_mutex> lk(tokens_m_);
        for (const auto& name : before) {
          const bool still = std::any_of(tokens_.begin(), tokens_.end(),
                                         [&](const auto& t) { return t.name == name; });
          if (!still) gone.push_back(name);
        }
      }
      for (const auto& name : gone) {
        log(log_level::info, "token revoked: closing its WebSockets", {{"token_name", name}});
        if (on_revoked) on_revoked(principal_of(name));
      }
    } catch (const std::exception& e) {
      log(log_level::warn, "token refresh failed", {{"error", e.what()}});
    }
  }
}

std::optional<caller> security::verify(std::string_view token) {
  const sensorhub::token_hash h = sensorhub::hash_token(token);
  std::optional<caller> found;
  {
    std::shared_lock<std::shared_mutex> lk(tokens_m_);
    // Every stored hash is compared in full: the time taken does not depend
    // on which (if any) matched.
    for (const auto& t : tokens_) {
      if (sensorhub::hashes_equal(t.hash, h) && !found) found = caller{t.name, t.scopes, t.where};
    }
  }
  if (found) {
    std::lock_guard<std::mutex> lk(used_m_);
    used_[found->name] = sensorhub::now();
  }
  return found;
}

std::optional<http_response> security::check_http(const http_request& req, const route& r,
                                                  sensorhub::data_scope& scope) {
  if (cfg_.no_auth) return std::nullopt;
  const access need = route_access(r, cfg_);
  std::optional<caller> who;
  if (need != access::open) {
    const auto token = bearer_token(req);
    if (!token) {
      const bool other_scheme = !req.header("authorization").empty();
      return unauthorized(other_scheme ? "use Authorization: Bearer <token>"
                                       : "this route needs a token: Authorization: Bearer <token>",
                          other_scheme);
    }
    who = verify(*token);
    if (!who) {
      log(log_level::info, "rejected an unknown or revoked token",
          {{"route", r.pattern}, {"remote", req.remote_address}});
      return unauthorized("unknown or revoked token", true);
    }
    if ((who->scopes & scope_of(need)) == 0) {
      return error_response(errc::forbidden,
                            std::string("this token lacks the '") + scope_name(need) + "' scope");
    }
    scope = who->where;
  }
  if (r.method != "GET" && r.method != "HEAD") {
    auto wait = writes_by_address_.acquire(req.remote_address);
    if (who) wait = std::max(wait, writes_by_token_.acquire(who->name));
    if (wait != sensorhub::token_bucket::clock::duration::zero()) {
      http_response res = error_response(errc::rate_limited, "too many writes: retry later");
      res.headers.emplace_back("Retry-After", std::to_string(sensorhub::retry_after_seconds(wait)));
      return res;
    }
  }
  return std::nullopt;
}

std::optional<http_response> security::check_ws(const http_request& req, std::string_view path,
                                                std::string& principal,
                                                sensorhub::data_scope& scope) {
  if (cfg_.no_auth) return std::nullopt;
  const bool needs_token = path == secure_ws_path || cfg_.auth.no_public_ws;
  if (!needs_token) {
    // The public endpoint: a read token brings its data scope (SPEC 7.1, 10).
    const auto token = ws_token(req);
    const auto who = token ? verify(*token) : std::nullopt;
    if (who && (who->scopes & sensorhub::scope_read) != 0) scope = who->where;
    return std::nullopt;
  }

  const std::string& origin = req.header("origin");
  const auto& allowed = cfg_.auth.allowed_origins;
  if (!allowed.empty() && !origin.empty() &&
      std::find(allowed.begin(), allowed.end(), origin) == allowed.end()) {
    log(log_level::info, "refused a WebSocket from a foreign Origin",
        {{"origin", origin}, {"remote", req.remote_address}});
    return error_response(errc::forbidden, "this Origin is not allowed");
  }

  const std::optional<std::string> token = ws_token(req);
  if (!token) {
    return unauthorized("this endpoint needs a token: Authorization: Bearer <token> or ?token=",
                        !req.header("authorization").empty());
  }
  const auto who = verify(*token);
  if (!who) {
    log(log_level::info, "rejected a WebSocket with an unknown or revoked token",
        {{"remote", req.remote_address}});
    return unauthorized("unknown or revoked token", true);
  }
  if ((who->scopes & sensorhub::scope_read) == 0) {
    return error_response(errc::forbidden, "this token lacks the 'read' scope");
  }
  principal = principal_of(who->name);
  scope = who->where;
  return std::nullopt;
}

}  // namespace sensorhubd

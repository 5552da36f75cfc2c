// SPDX-License-Identifier: MIT
#include "policy/admission.hpp"

#include <algorithm>
#include <exception>
#include <utility>

#include "net_log.hpp"
#include "sensorhub/error.hpp"
#include "ws_query.hpp"

namespace sensorhub::ws_detail {

const char* const bad_version_detail = "unsupported WebSocket version (only 13 is served)";

std::optional<http_response> admission::refuse_request(bool stopping,
                                                       std::size_t open_sockets) const {
  if (stopping) return error_response(errc::unavailable, "server is shutting down");
  if (open_sockets > opts_.max_connections) {
    return error_response(errc::unavailable, "too many connections");
  }
  return std::nullopt;
}

std::optional<http_response> admission::refuse_missing_length(const std::string& method,
                                                              bool chunked,
                                                              bool has_content_length) const {
  const bool needs_body = method == "POST" || method == "PUT" || method == "PATCH";
  if (!needs_body || chunked || has_content_length) return std::nullopt;
  return error_response(errc::length_required,
                        "Content-Length or Transfer-Encoding: chunked is required");
}

upgrade_verdict admission::check_upgrade(const http_request& req) const {
  upgrade_verdict v;
  if (req.header("sec-websocket-version") != "13") {
    http_response r = error_response(errc::invalid_parameter, bad_version_detail);
    r.headers.emplace_back("Sec-WebSocket-Version", "13");
    v.refusal = std::move(r);
    return v;
  }
  const auto path_it = std::find(opts_.ws_paths.begin(), opts_.ws_paths.end(), req.path);
  if (path_it == opts_.ws_paths.end()) {
    v.refusal = error_response(errc::not_found, "no WebSocket endpoint at this path");
    return v;
  }
  if ((v.refusal = refuse_address(req.remote_address))) return v;
  ws_query q;
  try {
    q = parse_ws_query(req.query);
  } catch (const std::exception& e) {  // sensorhub::error included
    v.refusal = error_response(errc::invalid_parameter, e.what());
    return v;
  }
  if ((v.refusal = run_handshake_check(req, *path_it, v.grant.principal, q.session))) return v;
  q.session.backlog_limit = opts_.backlog_limit;
  v.grant.session = std::move(q.session);
  return v;
}

std::optional<http_response> admission::refuse_address(const std::string& address) const {
  if (opts_.max_connections_per_address == 0) return std::nullopt;
  if (websockets_from(address) < opts_.max_connections_per_address) return std::nullopt;
  http_response r =
      error_response(errc::rate_limited, "too many WebSocket connections from this address");
  r.headers.emplace_back("Retry-After", "1");
  return r;
}

std::optional<http_response> admission::run_handshake_check(const http_request& req,
                                                            std::string_view path,
                                                            std::string& principal,
                                                            session_options& session) const {
  if (!opts_.handshake_check) return std::nullopt;
  try {
    return opts_.handshake_check(req, path, principal, session);
  } catch (const std::exception& e) {
    log_line(opts_, log_level::error, std::string("handshake check failed: ") + e.what());
    return error_response(errc::internal, "handshake check failed");
  }
}

bool admission::try_count(const std::string& address) {
  if (address.empty()) return true;
  std::lock_guard<std::mutex> lk(m_);
  auto& n = per_address_[address];
  if (opts_.max_connections_per_address != 0 && n >= opts_.max_connections_per_address) {
    if (n == 0) per_address_.erase(address);
    return false;
  }
  ++n;
  return true;
}

void admission::count(const std::string& address) {
  if (address.empty()) return;
  std::lock_guard<std::mutex> lk(m_);
  ++per_address_[address];
}

void admission::release(const std::string& address) {
  std::lock_guard<std::mutex> lk(m_);
  const auto it = per_address_.find(address);
  if (it != per_address_.end() && --it->second == 0) per_address_.erase(it);
}

std::size_t admission::websockets_from(const std::string& address) const {
  std::lock_guard<std::mutex> lk(m_);
  const auto it = per_address_.find(address);
  return it == per_address_.end() ? 0 : it->second;
}

}  // namespace sensorhub::ws_detail

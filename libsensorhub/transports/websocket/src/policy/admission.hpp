// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sensorhub/session.hpp"
#include "sensorhub/transports/http.hpp"
#include "sensorhub/transports/websocket.hpp"

namespace sensorhub::ws_detail {

// The detail of the 400 for a WebSocket version other than 13.
extern const char* const bad_version_detail;

// A WebSocket upgrade that passed every check: the session it asks for and
// the principal handshake_check tagged it with ("" when none).
struct upgrade_grant {
  session_options session;
  std::string principal;
};

// What admission::check_upgrade decided: a refusal to write back, or (when
// refusal is empty) the grant.
struct upgrade_verdict {
  std::optional<http_response> refusal;
  upgrade_grant grant;
};

// Who gets in: the socket cap and shutdown refusals for every request, the
// body rules for plain HTTP requests, and for WebSocket upgrades the
// version, path, per-address cap, query and handshake_check (SPEC §2, §3).
// It counts the open WebSockets of each client address (try_count /
// release). Knows nothing of sockets. Thread-safe: the counts are locked;
// check_upgrade runs handshake_check outside the lock. The options must
// outlive it.
class admission {
 public:
  explicit admission(const websocket_options& opts) : opts_(opts) {}

  // 503 while the transport stops or when more than max_connections
  // sockets are open (the new one included); otherwise nothing.
  std::optional<http_response> refuse_request(bool stopping, std::size_t open_sockets) const;
  // SPEC §2/§9: a POST, PUT or PATCH with neither Content-Length nor a
  // chunked body gets 411 (malformed lengths never get here: the request
  // reader answers them with 400).
  std::optional<http_response> refuse_missing_length(const std::string& method, bool chunked,
                                                     bool has_content_length) const;
  // The checks of one WebSocket upgrade, in the order the wire shows them.
  // handshake_check runs last; if it throws, the upgrade gets a 500.
  upgrade_verdict check_upgrade(const http_request& req) const;

  // An admitted WebSocket from this address opens: counted unless the
  // per-address cap is reached (false). "" is never capped nor counted.
  bool try_count(const std::string& address);
  // An admitted WebSocket from this address opened / ended ("" is ignored).
  void count(const std::string& address);
  void release(const std::string& address);
  // Open WebSockets counted for this address.
  std::size_t websockets_from(const std::string& address) const;

 private:
  std::optional<http_response> refuse_address(const std::string& address) const;
  std::optional<http_response> run_handshake_check(const http_request& req, std::string_view path,
                                                   std::string& principal,
                                                   session_options& session) const;

  const websocket_options& opts_;
  mutable std::mutex m_;
  std::unordered_map<std::string, std::size_t> per_address_;  // guarded by m_
};

}  // namespace sensorhub::ws_detail

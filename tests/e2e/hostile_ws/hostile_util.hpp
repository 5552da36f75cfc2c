// SPDX-License-Identifier: MIT
#pragma once

// Helpers of the hostile-client tests (tests/e2e/hostile_ws): what the
// daemon costs, read from /proc (resident memory, open descriptors), the
// socket options an attacker sets, a daemon configured through a file, and
// the daemon's warn lines about backlog cuts.

#include <sys/socket.h>
#include <sys/types.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "e2e/e2e_test_util.hpp"
#include "support/process_stats.hpp"

namespace sensorhub::e2e::hostile {

// A greeted WebSocket whose socket had SO_RCVBUF `rcvbuf` before it
// connected: it advertises a small window from the first byte.
inline ws_client open_small_window_ws(const daemon_process& d, const std::string& query,
                                      int rcvbuf = 4096, json_doc* established = nullptr) {
  ws_client c;
  tcp_socket s = tcp_socket::connect(d.host(), d.port(), default_timeout, {}, rcvbuf);
  const ws_handshake hs = c.upgrade(std::move(s), d.host(), "/api/v1/ws" + query);
  REQUIRE(hs.upgraded);
  auto first = c.recv_json();
  REQUIRE(first.has_value());
  REQUIRE((*first)["type"].str() == "connection_established");
  auto second = c.recv_json();
  REQUIRE(second.has_value());
  REQUIRE((*second)["type"].str() == "stats");
  if (established != nullptr) *established = std::move(*first);
  return c;
}

// close() then sends RST instead of FIN.
inline void set_linger_rst(int fd) {
  const linger l{1, 0};
  REQUIRE(::setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l) == 0);
}

// A daemon started with --config holding `json` (plus the default flags
// unless others are given). The file lives as long as the returned value.
struct configured_daemon {
  temp_dir dir{"sensorhub-hostile"};
  std::unique_ptr<daemon_process> d;

  explicit configured_daemon(const std::string& json,
                             std::vector<std::string> flags = default_daemon_flags()) {
    const auto cfg = dir.path() / "config.json";
    std::ofstream(cfg) << json;
    flags.push_back("--config");
    flags.push_back(cfg.string());
    d = std::make_unique<daemon_process>(flags);
  }
  daemon_process& operator*() { return *d; }
  daemon_process* operator->() { return d.get(); }
};

// The daemon's "backlog budget" cut lines (in the order they were logged).
inline std::vector<std::string> budget_cuts(const daemon_process& d) {
  std::vector<std::string> out;
  std::istringstream in(d.log_text());
  std::string line;
  while (std::getline(in, line)) {
    if (line.find("backlog budget: cutting") != std::string::npos) out.push_back(line);
  }
  return out;
}

// The number after `key` in a log line ("... (123 bytes; all backlogs ...").
inline std::uint64_t number_after(const std::string& line, const std::string& key) {
  const auto p = line.find(key);
  if (p == std::string::npos) return 0;
  return std::stoull(line.substr(p + key.size()));
}

// `readings` connections in /ws/stats.
inline std::int64_t readings_connections(const http_client& h) {
  return h.get("/api/v1/ws/stats").json()["channels"]["readings"]["connections"].i64().value_or(-1);
}

// A JSON array of `n` readings, `per_a` of every 4 for sensor a and the rest for b.
inline std::string readings_batch(int n, std::int64_t a, std::int64_t b, int per_a = 4) {
  std::string body = "[";
  for (int i = 0; i < n; ++i) {
    const std::int64_t sid = (i % 4) < per_a ? a : b;
    body += (i ? ",{\"sensor_id\":" : "{\"sensor_id\":") + std::to_string(sid) +
            ",\"valor\":1.5,\"unidad\":\"padding-padding-padding-pad\"}";
  }
  return body + "]";
}

}  // namespace sensorhub::e2e::hostile

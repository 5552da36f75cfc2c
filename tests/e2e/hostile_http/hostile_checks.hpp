// SPDX-License-Identifier: MIT
#pragma once

// Shared vocabulary of the hostile-client HTTP tests (issue 10, docs/security.md
// "Hostile clients: HTTP"): the daemon's resident memory, config files, raw
// connections that send a head and then trickle a body.

#include <sys/types.h>

#include <algorithm>
#include <cstddef>
#include <fstream>
#include <string>
#include <vector>

#include "../http1/http1_checks.hpp"
#include "support/process_stats.hpp"

namespace sensorhub::e2e {

// A JSON config file in a temp dir, removed at the end.
class temp_config {
 public:
  explicit temp_config(const std::string& json) { std::ofstream(path()) << json; }
  std::string path() const { return dir_.file("config.json"); }

 private:
  temp_dir dir_{"sensorhub-hostile"};
};

inline header_list bearer(const std::string& token) {
  return {{"Authorization", "Bearer " + token}};
}

// The head of a JSON POST announcing `length` body bytes (none sent).
inline std::string post_head(const http1_connection& c, const std::string& target,
                             std::size_t length, header_list headers = {}) {
  headers.emplace_back("Content-Type", "application/json");
  headers.emplace_back("Content-Length", std::to_string(length));
  return http1_request("POST", target, c.authority(), headers);
}

// Connections that each announced a large body: trickles `rounds` pieces of
// `piece` bytes into every one (round-robin; a connection the daemon has
// closed is skipped) and returns the highest VmRSS (KiB) seen after a round.
inline std::size_t trickle_bodies(std::vector<http1_connection>& conns, pid_t daemon, int rounds,
                                  std::size_t piece) {
  const std::string bytes(piece, ' ');
  std::vector<bool> open(conns.size(), true);
  std::size_t peak = vm_rss_kib(daemon);
  for (int r = 0; r < rounds; ++r) {
    for (std::size_t i = 0; i < conns.size(); ++i) {
      if (open[i]) open[i] = conns[i].try_send(bytes);
    }
    peak = std::max(peak, vm_rss_kib(daemon));
  }
  return peak;
}

// The daemon's resident memory after start and one request of each kind
// used, in KiB.
inline std::size_t warm_baseline_kib(const daemon_process& d) {
  (void)d.http().get("/healthz");
  return vm_rss_kib(d.pid());
}

}  // namespace sensorhub::e2e

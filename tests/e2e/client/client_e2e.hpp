// SPDX-License-Identifier: MIT
#pragma once

// Helpers of the sensorhub::client end-to-end tests: a daemon restarted on
// the same port, a thread-safe recorder of what the client delivered, and
// the daemon's persisted history (GET /events) for comparison.

#include <mutex>
#include <string>
#include <vector>

#include "../e2e_test_util.hpp"
#include "sensorhub/client/client.hpp"

namespace sensorhub::e2e {

namespace sc = sensorhub::client;

// Starts `d` again on its current port and database (a client reconnects to
// the same URL). `extra` comes after the default flags.
inline void restart_same_port(daemon_process& d, std::vector<std::string> extra = {}) {
  const std::uint16_t port = d.port();
  std::vector<std::string> flags = default_daemon_flags();
  flags.insert(flags.end(), extra.begin(), extra.end());
  flags.push_back("--port");
  flags.push_back(std::to_string(port));
  d.restart(flags);
  REQUIRE(d.port() == port);
}

inline std::string url_of(const daemon_process& d) {
  return "http://" + d.host() + ":" + std::to_string(d.port());
}

// Everything a client delivered, recorded from its callbacks.
class recorder {
 public:
  void attach(sc::client& c) {
    c.on_entity_event([this](const sc::event& e) { add(e); });
    c.on_system_event([this](const sc::event& e) { add(e); });
    c.on_snapshot([this](const sc::event& e) { add(e); });
    c.on_resume_failed([this](const sc::event& e) { add(e); });
    c.on_state([this](sc::connection_state s) {
      std::lock_guard<std::mutex> lock(mu_);
      states_.push_back(s);
    });
    c.on_error([this](const sc::client_error& e) {
      std::lock_guard<std::mutex> lock(mu_);
      errors_.push_back(e);
    });
  }
  std::vector<sc::event> events() const {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  std::vector<sc::connection_state> states() const {
    std::lock_guard<std::mutex> lock(mu_);
    return states_;
  }
  std::vector<sc::client_error> errors() const {
    std::lock_guard<std::mutex> lock(mu_);
    return errors_;
  }
  std::size_t count_states(sc::connection_state s) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::size_t n = 0;
    for (auto x : states_) n += x == s ? 1 : 0;
    return n;
  }

 private:
  void add(const sc::event& e) {
    std::lock_guard<std::mutex> lock(mu_);
    events_.push_back(e);
  }
  mutable std::mutex mu_;
  std::vector<sc::event> events_;
  std::vector<sc::connection_state> states_;
  std::vector<sc::client_error> errors_;
};

// The seqs of the persisted events of `channel` (GET /events, paged).
inline std::vector<std::int64_t> history_seqs(const http_client& h, const std::string& channel) {
  std::vector<std::int64_t> out;
  std::int64_t since = 0;
  for (;;) {
    const json_doc page =
        h.get("/api/v1/events?channel=" + channel + "&limit=1000&since=" + std::to_string(since))
            .json();
    REQUIRE(page.root().is_array());
    if (page.root().size() == 0) return out;
    for (std::size_t i = 0; i < page.root().size(); ++i) {
      since = page.at(i)["seq"].i64().value_or(0);
      out.push_back(since);
    }
  }
}

}  // namespace sensorhub::e2e

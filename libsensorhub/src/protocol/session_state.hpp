// SPDX-License-Identifier: MIT
#pragma once

// The private state shared by session.cpp and session_replay.cpp.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "sensorhub/session.hpp"

namespace sensorhub {

enum class session_phase { greeting, replaying, live, closed };

struct session::state {
  struct chan_state {
    channel c = channel::general;
    subscription sub;  // its filter lives on the bus (set_filter)
    // Highest seq sent (or replayed) on this channel: live events at or below
    // it are duplicates of the replay and are dropped.
    std::uint64_t last_seq = 0;
  };

  explicit state(std::size_t limit) : backlog_limit(limit) {}

  bool open() {
    std::lock_guard<std::mutex> lk(m);
    return ph != session_phase::closed;
  }

  chan_state* find(channel c) {
    for (auto& cs : chans) {
      if (cs.c == c) return &cs;
    }
    return nullptr;
  }

  const std::size_t backlog_limit;
  data_scope scope;  // set by start() before anything subscribes; constant afterwards
  std::mutex m;
  std::condition_variable cv;  // pages_in_flight fell, or closed
  session_phase ph = session_phase::greeting;
  std::vector<chan_state> chans;  // in subscription order
  int replays = 0;                // replays still running; live waits for 0
  int pages_in_flight = 0;
  bool dropped = false;     // closed as a slow consumer
  bool close_sent = false;  // connection::close was called (session's thread)
};

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#include "subscriber.hpp"

#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <thread>

#include "support/http_client.hpp"
#include "support/ws_client.hpp"

namespace sensorhub::soak {
namespace {

using clock_type = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string channels_of(std::uint8_t mask) {
  std::string s;
  if (mask & ch_sensors) s += "sensors,";
  if (mask & ch_readings) s += "readings,";
  if (mask & ch_general) s += "general,";
  s.pop_back();
  return s;
}

// The top-level "seq" of an event message (-1 if none).
std::int64_t seq_of(const std::string& payload) {
  const auto pos = payload.find("\"seq\":");
  if (pos == std::string::npos) return -1;
  return std::strtoll(payload.c_str() + pos + 6, nullptr, 10);
}

// One subscriber's connections in turn.
class subscriber {
 public:
  subscriber(unsigned seed, shared_state& s, subscriber_record& r)
      : rng_(seed), state_(s), rec_(r) {
    if (rec_.role == "auditor") last_ = 0;  // since=0: every event of the run
  }

  void run() {
    while (!state_.subscribers_stop.load() && !finished_) {
      if (rec_.role != "auditor" && state_.draining.load()) return;
      const bool resume = last_ >= 0 && (rec_.role != "churner" || rng_() % 2 == 0);
      if (rec_.role != "auditor" && !resume) mask_ = static_cast<std::uint8_t>(1 + rng_() % 7);
      // Slow readers take the busy channel, so one pause passes their limit.
      if (rec_.role == "slow") mask_ |= ch_readings;
      if (!connect(resume)) {
        std::this_thread::sleep_for(milliseconds(100));
        continue;
      }
      read_session();
      if (rec_.role == "churner") std::this_thread::sleep_for(milliseconds(rng_() % 1000));
    }
  }

 private:
  bool connect(bool resume) {
    std::string target = "/api/v1/ws?channel=" + channels_of(mask_);
    if (resume) target += "&since=" + std::to_string(last_);
    try {
      auto sock = testing::tcp_socket::connect(
          state_.host, static_cast<std::uint16_t>(state_.port.load()), milliseconds(2000));
      if (rec_.role == "slow") {
        const int small = 128 * 1024;  // under one loopback MSS stalls TCP
        ::setsockopt(sock.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
      }
      ws_ = testing::ws_client();
      const auto hs = ws_.upgrade(std::move(sock),
                                  state_.host + ":" + std::to_string(state_.port.load()), target);
      if (!hs.upgraded) return false;
    } catch (const std::exception&) {
      return false;
    }
    segment seg;
    seg.mask = mask_;
    seg.resumed = resume;
    seg.start = resume ? last_ : -1;
    rec_.segments.push_back(std::move(seg));
    ++state_.joins;
    if (resume) {
      ++rec_.resumes;
      ++state_.resumes;
    }
    return true;
  }

  // Reads until `until` or the connection ends; false when it ended.
  bool read_until(clock_type::time_point until) {
    segment& seg = rec_.segments.back();
    while (clock_type::now() < until) {
      if (state_.subscribers_stop.load()) return end(seg, "stopped");
      std::optional<testing::ws_message> m;
      try {
        m = ws_.recv(milliseconds(200));
      } catch (const std::exception&) {
        return end(seg, "error");
      }
      if (!m) {
        if (ws_.eof() || !ws_.socket().is_open()) return end(seg, "eof");
        if (ws_.close_received()) return end(seg, "closed");
        if (auditor_done()) return end(seg, "done");
        continue;
      }
      if (m->type == testing::ws_message::kind::close) {
        const int code = m->close_code.value_or(0);
        if (code == 1008) {
          ++rec_.cuts;
          ++state_.cuts_1008;
        }
        return end(seg, std::to_string(code));
      }
      if (m->payload.find("\"resume_failed\"") != std::string::npos && rec_.error.empty()) {
        rec_.error = "resume_failed: " + m->payload;
      }
      const std::int64_t seq = seq_of(m->payload);
      if (seq < 0) continue;
      seg.seqs.push_back(seq);
      if (seg.start < 0) seg.start = seq - 1;
      last_ = seq;
      ++state_.events_received;
    }
    return true;
  }

  bool auditor_done() {
    const std::int64_t target = state_.drain_target.load();
    if (rec_.role != "auditor" || target < 0 || last_ < target) return false;
    finished_ = true;
    return true;
  }

  bool end(segment& seg, const std::string& why) {
    seg.end = why;
    ws_ = testing::ws_client();
    return false;
  }

  void read_session() {
    if (rec_.role == "auditor") {
      read_until(clock_type::time_point::max());
    } else if (rec_.role == "churner") {
      const auto stay = milliseconds(500 + rng_() % 15000);
      if (read_until(clock_type::now() + stay)) {
        try {
          ws_.close(1000, milliseconds(2000));
        } catch (const std::exception&) {
        }
        end(rec_.segments.back(), "left");
      }
    } else {
      for (;;) {
        if (!read_until(clock_type::now() + milliseconds(300 + rng_() % 1500))) return;
        if (state_.draining.load()) return (void)end(rec_.segments.back(), "left");
        pause();
      }
    }
  }

  // Stops reading (so the daemon's backlog for us grows past its limit)
  // until the daemon has cut some slow consumer, or up to 20 s. Coming back
  // within the daemon's 5 s close grace, a cut reader finds its 1008 frame.
  void pause() {
    const std::int64_t dropped = dropped_total();
    const auto until = clock_type::now() + milliseconds(2000 + rng_() % 18000);
    while (clock_type::now() < until && !state_.draining.load()) {
      std::this_thread::sleep_for(milliseconds(250));
      if (dropped_total() != dropped) return;
    }
  }

  // sensorhub_dropped_subscribers_total from /metrics (-1 if unknown).
  std::int64_t dropped_total() {
    try {
      const auto r =
          testing::http_client(state_.host, static_cast<std::uint16_t>(state_.port.load()))
              .get("/metrics");
      const char* name = "\nsensorhub_dropped_subscribers_total ";
      const auto pos = r.body.find(name);
      if (pos != std::string::npos)
        return std::strtoll(r.body.c_str() + pos + std::strlen(name), nullptr, 10);
    } catch (const std::exception&) {
    }
    return -1;
  }

  std::mt19937 rng_;
  shared_state& state_;
  subscriber_record& rec_;
  testing::ws_client ws_;
  std::uint8_t mask_ = ch_sensors | ch_readings | ch_general;
  std::int64_t last_ = -1;
  bool finished_ = false;
};

}  // namespace

void run_subscriber(unsigned seed, shared_state& state, subscriber_record& record) {
  subscriber(seed, state, record).run();
}

}  // namespace sensorhub::soak

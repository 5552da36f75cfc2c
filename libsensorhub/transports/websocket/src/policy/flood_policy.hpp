// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>

#include "sensorhub/transports/rate_limiter.hpp"

namespace sensorhub::ws_detail {

// One WebSocket's side of the flood policy: its own message bucket, its
// control-frame bucket and the refusals in a row of each. Owned by the
// connection.
struct flood_state {
  token_bucket messages;
  token_bucket control;             // pings and pongs from the client
  std::size_t strikes = 0;          // rate-limited messages in a row
  std::size_t control_strikes = 0;  // rate-limited control frames in a row
  bool closed = false;              // the policy closed the connection
};

// What to do with one client message.
enum class flood_verdict {
  accept,  // hand it to the session
  warn,    // drop it and answer {"type":"error","error":"rate_limited"}
  close,   // drop it and close with 1008 "rate limited" (once)
  ignore,  // drop it silently (the connection is already closing)
};

// The client message rate (websocket_options::message_rate,
// shared_message_rate, message_flood_warnings): a message takes a token
// from its connection's bucket, then from the shared "addr:<ip>" bucket,
// then from the shared "token:<principal>" bucket, stopping at the first
// that is empty. An accepted message clears the strikes; more than
// `warnings` refusals in a row close the connection. Knows nothing of
// websocketpp.
//
// Control frames (pings, unsolicited pongs) have a bucket of their own per
// connection, `control_factor` times the message rate and burst, so a
// client that pings now and then never loses messages to it, and one that
// floods pings (reading its pongs or not) is refused like a message flood:
// a refused ping is not answered, and more than `warnings` refusals in a
// row close the connection. Thread-safe for distinct flood_states (the
// shared buckets are locked); one flood_state belongs to one thread.
class flood_policy {
 public:
  using clock = token_bucket::clock;
  static constexpr double control_factor = 4.0;

  flood_policy(rate_limit per_connection, rate_limit shared, std::size_t warnings)
      : per_connection_(per_connection),
        control_{per_connection.per_second * control_factor, per_connection.burst * control_factor},
        shared_(shared),
        warnings_(warnings) {}

  // The state of a connection admitted at `now` (its buckets full).
  flood_state open(clock::time_point now) const {
    return {token_bucket(per_connection_, now), token_bucket(control_, now)};
  }
  // Judges one message from a connection of this address and principal
  // (either may be "": that shared bucket is skipped).
  flood_verdict judge(flood_state& s, const std::string& address, const std::string& principal,
                      clock::time_point now);
  // Judges one control frame (ping or pong) from a connection: its own
  // control bucket only.
  flood_verdict judge_control(flood_state& s, clock::time_point now);

  const rate_limiter& shared() const noexcept { return shared_; }

 private:
  bool shared_allows(const std::string& key, clock::time_point now);

  rate_limit per_connection_;
  rate_limit control_;
  rate_limiter shared_;  // "addr:<ip>" and "token:<principal>" buckets
  std::size_t warnings_;
};

}  // namespace sensorhub::ws_detail

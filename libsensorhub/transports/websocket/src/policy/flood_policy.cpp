// SPDX-License-Identifier: MIT
#include "policy/flood_policy.hpp"

namespace sensorhub::ws_detail {

bool flood_policy::shared_allows(const std::string& key, clock::time_point now) {
  return shared_.limit().unlimited() || shared_.acquire(key, now) == clock::duration::zero();
}

flood_verdict flood_policy::judge(flood_state& s, const std::string& address,
                                  const std::string& principal, clock::time_point now) {
  if (s.closed) return flood_verdict::ignore;
  if (s.messages.acquire(now) == clock::duration::zero() &&
      (address.empty() || shared_allows("addr:" + address, now)) &&
      (principal.empty() || shared_allows("token:" + principal, now))) {
    s.strikes = 0;
    return flood_verdict::accept;
  }
  if (++s.strikes > warnings_) {
    s.closed = true;
    return flood_verdict::close;
  }
  return flood_verdict::warn;
}

flood_verdict flood_policy::judge_control(flood_state& s, clock::time_point now) {
  if (s.closed) return flood_verdict::ignore;
  if (control_.unlimited() || s.control.acquire(now) == clock::duration::zero()) {
    s.control_strikes = 0;
    return flood_verdict::accept;
  }
  if (++s.control_strikes > warnings_) {
    s.closed = true;
    return flood_verdict::close;
  }
  return flood_verdict::warn;
}

}  // namespace sensorhub::ws_detail

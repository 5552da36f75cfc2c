// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>

namespace sensorhub::client::detail {

// The resume point and the duplicate filter. The daemon delivers seq
// ascending on one connection; after a reconnect with since = last() it
// replays from last() + 1, so anything at or below last() is a duplicate.
// Not thread-safe.
class seq_tracker {
 public:
  // True when `seq` is new (above the last accepted one): it becomes last().
  bool accept(std::int64_t seq) noexcept {
    if (last_ && seq <= *last_) return false;
    last_ = seq;
    return true;
  }
  // Moves the resume point forward (a snapshot's seq); never backwards.
  void advance_to(std::int64_t seq) noexcept {
    if (!last_ || seq > *last_) last_ = seq;
  }
  std::optional<std::int64_t> last() const noexcept { return last_; }
  bool has_position() const noexcept { return last_.has_value(); }

 private:
  std::optional<std::int64_t> last_;
};

}  // namespace sensorhub::client::detail

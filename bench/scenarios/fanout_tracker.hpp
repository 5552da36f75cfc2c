// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "clients/ws_message.hpp"

namespace bench {

// Totals of a fan-out run over the subscribers and writes that count.
struct fanout_totals {
  std::uint64_t expected = 0;      // counted subscribers x successful writes
  std::uint64_t deliveries = 0;    // unique (subscriber, write) pairs received
  std::uint64_t missing = 0;       // expected pairs never received
  std::uint64_t duplicates = 0;    // a write's event received again by the same subscriber
  std::uint64_t out_of_order = 0;  // seq lower than one received before (duplicates excluded)
  std::uint64_t foreign = 0;       // entity events that are not this run's writes
  std::uint64_t unstamped = 0;     // event of a write whose send stamp was not visible yet
  std::int64_t last_delivery_ns = 0;
  std::vector<float> latencies_ms;  // first delivery of each pair: receive - send
};

// Per-subscriber bookkeeping of which write's event arrived, when, and in
// which seq order. Keyed by write index (decoded from data.modelo).
// Thread-safety: on_event for one subscriber must not run concurrently with
// itself (the pool guarantees it); different subscribers may. unique() is
// safe anytime; totals() only after the event source stopped.
class fanout_tracker {
 public:
  fanout_tracker(std::size_t subscribers, std::size_t writes);

  void on_event(std::size_t subscriber, const ws_message& m, std::int64_t recv_ns,
                std::int64_t sent_ns);
  std::uint64_t unique() const { return unique_.load(std::memory_order_relaxed); }

  // counted[s]: subscriber s was established before the writes began;
  // write_ok[w]: write w was acknowledged.
  fanout_totals totals(const std::vector<bool>& counted, const std::vector<bool>& write_ok) const;

 private:
  struct record {
    std::vector<std::uint8_t> got;
    std::vector<float> latencies_ms;
    std::int64_t last_seq = -1;
    std::int64_t last_recv_ns = 0;
    std::uint64_t duplicates = 0;
    std::uint64_t out_of_order = 0;
    std::uint64_t foreign = 0;
    std::uint64_t unstamped = 0;
  };
  std::size_t writes_;
  std::vector<record> records_;
  std::atomic<std::uint64_t> unique_{0};
};

}  // namespace bench

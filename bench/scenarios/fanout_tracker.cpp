// SPDX-License-Identifier: MIT
#include "scenarios/fanout_tracker.hpp"

#include <algorithm>

namespace bench {

fanout_tracker::fanout_tracker(std::size_t subscribers, std::size_t writes)
    : writes_(writes), records_(subscribers) {
  for (auto& r : records_) {
    r.got.assign(writes, 0);
    r.latencies_ms.reserve(writes);
  }
}

void fanout_tracker::on_event(std::size_t subscriber, const ws_message& m, std::int64_t recv_ns,
                              std::int64_t sent_ns) {
  if (m.kind != message_kind::entity_event) {
    return;
  }
  record& r = records_[subscriber];
  if (m.write_index < 0 || static_cast<std::size_t>(m.write_index) >= writes_) {
    ++r.foreign;
    return;
  }
  std::uint8_t& got = r.got[static_cast<std::size_t>(m.write_index)];
  if (got != 0) {
    ++r.duplicates;
    if (got < 255) {
      ++got;
    }
    return;
  }
  got = 1;
  if (m.seq <= r.last_seq) {
    ++r.out_of_order;
  }
  r.last_seq = std::max(r.last_seq, m.seq);
  r.last_recv_ns = std::max(r.last_recv_ns, recv_ns);
  if (sent_ns > 0) {
    r.latencies_ms.push_back(static_cast<float>(recv_ns - sent_ns) / 1e6f);
  } else {
    ++r.unstamped;
  }
  unique_.fetch_add(1, std::memory_order_relaxed);
}

fanout_totals fanout_tracker::totals(const std::vector<bool>& counted,
                                     const std::vector<bool>& write_ok) const {
  fanout_totals t;
  const auto ok_writes =
      static_cast<std::uint64_t>(std::count(write_ok.begin(), write_ok.end(), true));
  for (std::size_t s = 0; s < records_.size(); ++s) {
    if (!counted[s]) {
      continue;
    }
    const record& r = records_[s];
    t.expected += ok_writes;
    for (std::size_t w = 0; w < writes_; ++w) {
      if (r.got[w] != 0) {
        ++t.deliveries;
      } else if (write_ok[w]) {
        ++t.missing;
      }
    }
    t.duplicates += r.duplicates;
    t.out_of_order += r.out_of_order;
    t.foreign += r.foreign;
    t.unstamped += r.unstamped;
    t.last_delivery_ns = std::max(t.last_delivery_ns, r.last_recv_ns);
    t.latencies_ms.insert(t.latencies_ms.end(), r.latencies_ms.begin(), r.latencies_ms.end());
  }
  return t;
}

}  // namespace bench

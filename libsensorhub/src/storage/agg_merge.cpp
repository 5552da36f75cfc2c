// SPDX-License-Identifier: MIT
#include "storage/agg_merge.hpp"

#include <algorithm>

namespace sensorhub::detail {

void merge_agg(agg_acc& into, const agg_acc& x) {
  if (into.b.count == 0) {
    into = x;
    return;
  }
  into.rolled = into.rolled || x.rolled;
  into.b.count += x.b.count;
  into.b.min = std::min(into.b.min, x.b.min);
  into.b.max = std::max(into.b.max, x.b.max);
  into.sum += x.sum;
  if (x.first_ts < into.first_ts) {
    into.first_ts = x.first_ts;
    into.b.first = x.b.first;
  }
  if (x.last_ts > into.last_ts) {
    into.last_ts = x.last_ts;
    into.b.last = x.b.last;
  }
}

std::vector<agg_bucket> finish_agg(std::map<std::int64_t, agg_acc>& buckets) {
  std::vector<agg_bucket> out;
  out.reserve(buckets.size());
  for (auto& [start, a] : buckets) {
    (void)start;
    if (a.rolled) a.b.avg = a.sum / static_cast<double>(a.b.count);
    out.push_back(a.b);
  }
  return out;
}

}  // namespace sensorhub::detail

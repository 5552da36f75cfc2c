// SPDX-License-Identifier: MIT
#include "sensorhub/event_history.hpp"

#include <algorithm>
#include <utility>

namespace sensorhub {

namespace {

// Pages read from the log while a restricted scope or a filter hides events.
constexpr std::size_t min_scan_page = 256;

}  // namespace

event_page read_events(repository& repo, const event_query& q, const data_scope& scope,
                       const event_filter* filter) {
  event_page out;
  out.cursor = q.since;
  if (q.limit == 0) {
    out.more = true;
    return out;
  }
  const bool everything = scope.unrestricted() && filter == nullptr;
  event_query raw = q;
  raw.limit = everything ? q.limit : std::max(q.limit, min_scan_page);
  for (;;) {
    raw.since = out.cursor;
    std::vector<event> page = repo.events(raw);
    for (event& e : page) {
      if (out.events.size() == q.limit) {
        out.more = true;
        return out;
      }
      out.cursor = std::max(out.cursor, e.seq);
      const event* v = scoped_view_ptr(e, scope);
      if (v == nullptr || (filter != nullptr && !filter->matches(*v))) continue;
      if (v == &e) {
        out.events.push_back(std::move(e));
      } else {
        out.events.push_back(*v);
      }
    }
    if (page.size() < raw.limit) return out;  // the end of the log
    if (out.events.size() == q.limit) {
      out.more = true;
      return out;
    }
  }
}

}  // namespace sensorhub

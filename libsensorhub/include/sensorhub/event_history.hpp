// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <vector>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/filter.hpp"
#include "sensorhub/repository.hpp"

namespace sensorhub {

// One page of the event log as a reader sees it.
struct event_page {
  std::vector<event> events;  // visible views, ascending seq, at most the query's limit
  std::uint64_t cursor = 0;   // every stored event up to this seq was examined
  bool more = false;          // events after `cursor` may follow: read on with since = cursor
};

// The event history as `scope` sees it — the one function behind /events,
// SSE and session resume, so that they give exactly the live view: stored
// events with seq > q.since on q.channels, each passed through scoped_view
// (invisible ones skipped, moved sensors as scope_left / scope_entered),
// then through `filter` when given. Fills q.limit with visible events,
// reading further pages of the log as needed. With an unrestricted scope
// and no filter it is one repository::events(q) call, unchanged.
// Blocking (SQLite reads): call it off network threads. Thread-safe as the
// repository is.
event_page read_events(repository& repo, const event_query& q, const data_scope& scope,
                       const event_filter* filter = nullptr);

}  // namespace sensorhub

// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "sensorhub/event.hpp"
#include "sensorhub/logger.hpp"
#include "storage/sqlite/sqlite_connection.hpp"
#include "storage/write_queue.hpp"

namespace sensorhub::detail {

// What a group of writes runs against: the writer connection, the committed
// last seq (advanced on commit), the commit hook and where its failures go.
struct write_group_context {
  sqlite_connection& writer;
  std::atomic<std::uint64_t>& last_seq;
  const std::function<void(const std::vector<event>&)>& hook;
  const log_sink& log;
};

// Runs a group of queued writes in one IMMEDIATE transaction, each under its
// own savepoint when the group holds more than one (a write that throws
// undoes only its own rows and events and gets its own exception; seqs stay
// dense), commits, and hands the hook every event of the group once, in seq
// order. If the transaction cannot commit, every write of it fails with
// errc::storage. Sets `events` or `failure` of each write; does not throw.
// The caller holds the write lock: not thread-safe.
void run_write_group(const write_group_context& ctx, const std::vector<queued_write*>& group);

}  // namespace sensorhub::detail

// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/event.hpp"
#include "sensorhub/filter.hpp"
#include "sensorhub/liveness.hpp"
#include "sensorhub/model.hpp"

namespace sensorhub {

// One write transaction, handed to repository::write. Every change made here
// and every event appended here commit together or not at all (the outbox).
// Valid only inside the callback, on the calling thread.
class write_tx {
 public:
  virtual ~write_tx() = default;

  virtual std::optional<sensor> find_sensor(std::int64_t id) = 0;
  virtual std::optional<reading> find_reading(std::int64_t id) = 0;

  virtual sensor insert_sensor(sensor s) = 0;  // assigns s.id
  virtual void update_sensor(const sensor& s) = 0;
  // Deletes the sensor and its readings; returns how many readings went.
  virtual std::int64_t delete_sensor(std::int64_t id) = 0;

  virtual reading insert_reading(reading l) = 0;  // assigns l.id
  virtual void update_reading(const reading& l) = 0;
  virtual void delete_reading(std::int64_t id) = 0;

  // Assigns the next global seq and the event timestamp, serializes the
  // event once and stores it in the event log of this transaction. (A
  // storage that assigns seqs at commit, as postgres_repository does,
  // returns the event with seq 0 and no JSON; write() returns the final one.)
  virtual const event& append(const entity_change& change) = 0;
  virtual const event& append(const system_change& change) = 0;

  // Keeps (replaces) the answer for r.owner + r.key with this transaction,
  // and drops a bounded number of answers older than `expire_before`.
  virtual void put_idempotent(const idempotent_response& r, timestamp expire_before) = 0;

  // Records whether the sensor was last reported stale (SPEC §13); returns
  // false, changing nothing, when that is already recorded or the sensor
  // does not exist, so a transition is reported exactly once.
  virtual bool set_stale(std::int64_t sensor_id, bool stale) = 0;
};

// Extra work a create runs at the end of its own write transaction, with
// what it created (e.g. keeping the answer for an Idempotency-Key).
template <typename T>
using also_in_tx = std::function<void(write_tx&, const T&)>;

struct event_query {
  std::uint64_t since = 0;        // seq > since
  std::vector<channel> channels;  // empty: all
  std::size_t limit = default_list_limit;
};

struct retention_policy {
  std::uint64_t max_events = 0;     // 0: unlimited
  std::chrono::seconds max_age{0};  // 0: unlimited
  std::size_t batch = 1000;         // rows deleted per transaction
};

// Retention of readings (SPEC §13): raw readings older than raw_age are
// folded into hourly rollups and deleted, whole UTC hours at a time, and
// rollups older than rollup_age are deleted. 0: keep (that kind) forever.
struct readings_retention_policy {
  std::chrono::seconds raw_age{0};
  std::chrono::seconds rollup_age{0};
  std::size_t batch = 5000;  // raw readings per transaction (at least one whole hour)
};

struct readings_retention_result {
  std::uint64_t readings_deleted = 0;      // raw readings folded into rollups and deleted
  std::uint64_t hours_rolled_up = 0;       // (sensor, hour) rollup rows written or merged
  std::uint64_t rollups_deleted = 0;       // rollup rows older than rollup_age deleted
  std::optional<timestamp> raw_cutoff;     // readings before it are rolled up
  std::optional<timestamp> rollup_cutoff;  // rollups of hours ending before it are gone
  bool removed_something() const noexcept { return readings_deleted > 0 || rollups_deleted > 0; }
};

// The current state a subscription matches, read consistently with the
// event log: `data_json` reflects exactly the events with seq <= `seq`.
struct state_snapshot {
  std::uint64_t seq = 0;         // last seq committed when the state was read
  std::string data_json = "[]";  // a JSON array of entities, as to_json writes them
};

// Storage of sensors, readings and the event log (SPEC §1, §5).
// Thread-safe: writes are serialized on one writer; reads may run
// concurrently with each other and with the writer.
class repository {
 public:
  virtual ~repository() = default;

  // Runs `work` in one IMMEDIATE transaction and commits. If `work` throws,
  // the transaction rolls back and the exception propagates: neither rows
  // nor events remain. Returns the events appended, in seq order. After the
  // commit and before returning, the commit hook (if set) receives the same
  // events, still under the write lock, so hook calls happen in seq order.
  // An implementation may commit concurrent calls together (group commit):
  // each `work` then runs under its own savepoint of the shared transaction
  // (a throw undoes only its changes), each call returns after that commit,
  // and the hook receives the events of the whole group in one call.
  virtual std::vector<event> write(const std::function<void(write_tx&)>& work) = 0;

  // Called after each commit that appended events, under the write lock.
  // It must not block and must not call write(). Set before concurrent use.
  virtual void set_commit_hook(std::function<void(const std::vector<event>&)> hook) = 0;

  virtual std::optional<sensor> find_sensor(std::int64_t id) = 0;
  // Lists only what `scope` contains (readings: those of sensors it
  // contains), filtered in the query: limit and offset apply afterwards.
  virtual std::vector<sensor> list_sensors(const sensor_query& q, const data_scope& scope) = 0;
  std::vector<sensor> list_sensors(const sensor_query& q) { return list_sensors(q, data_scope{}); }
  virtual std::optional<reading> find_reading(std::int64_t id) = 0;
  virtual std::vector<reading> list_readings(const reading_query& q, const data_scope& scope) = 0;
  std::vector<reading> list_readings(const reading_query& q) {
    return list_readings(q, data_scope{});
  }

  // The answer kept for owner + key, if any (however old).
  virtual std::optional<idempotent_response> find_idempotent(const std::string& owner,
                                                             const std::string& key) = 0;

  // Aggregates of one sensor's readings per UTC-aligned bucket, ascending,
  // empty buckets left out (SPEC §13). Does not check that the sensor exists.
  virtual std::vector<agg_bucket> aggregate_readings(const agg_query& q) = 0;

  // Every sensor with its tipo, the `timestamp` of its newest reading and
  // whether it was last reported stale, ascending id (the liveness checker).
  virtual std::vector<liveness_row> liveness() = 0;

  // Stored events with seq > q.since on q.channels, ascending, at most q.limit.
  virtual std::vector<event> events(const event_query& q) = 0;
  // 0 when no event was ever stored. Must be cheap (no I/O): the hub's
  // stats, which transports read on their network threads, include it.
  virtual std::uint64_t last_seq() = 0;
  virtual std::uint64_t oldest_seq() = 0;  // smallest retained seq, 0 when empty

  // Deletes old events in bounded batches; returns how many went.
  virtual std::uint64_t prune_events(const retention_policy& policy) = 0;

  // One retention pass over readings at time `at` (see
  // readings_retention_policy), in bounded transactions so writers get in
  // between. A reading is folded and deleted in the same transaction, so a
  // crash never counts it twice; a re-run finds nothing more to do.
  // Storages without rollups keep every reading (the default).
  virtual readings_retention_result apply_readings_retention(
      const readings_retention_policy& policy, timestamp at) {
    (void)policy;
    (void)at;
    return {};
  }

  // The state a subscription to `c` with filter `f` matches (SPEC §6), read
  // in one read transaction together with the last committed seq:
  // - sensors: the sensors whose id is in f.entity_id and in f.sensor_id and
  //   whose tipo is in f.tipo (empty lists match all), ascending id;
  // - readings: for each sensor in f.sensor_id with a tipo in f.tipo, its
  //   latest reading (by timestamp, then id) among those whose id is in
  //   f.entity_id, ascending sensor id; sensors without one are left out;
  // - general: no state, "[]".
  // f.event_types and f.predicate apply to events only and are ignored here.
  // Only sensors `scope` contains now, and their readings, are included.
  virtual state_snapshot snapshot(channel c, const event_filter& f, const data_scope& scope) = 0;
  state_snapshot snapshot(channel c, const event_filter& f) { return snapshot(c, f, data_scope{}); }

  // Whether this repository can write and publish right now (GET /readyz,
  // SPEC §12). An embedded SQLite file always can; a database server may be
  // unreachable. May do a short round trip; call it off network threads.
  virtual bool ready() { return true; }

  // True when other processes write to the same storage and their events
  // reach this one through the commit hook too (PostgreSQL nodes, SPEC §12):
  // the hub then counts stats().events_published cluster-wide, from the
  // events committed before it started.
  virtual bool shared() const noexcept { return false; }
};

}  // namespace sensorhub

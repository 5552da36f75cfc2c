// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "sensorhub/data_scope.hpp"
#include "sensorhub/event_bus.hpp"
#include "sensorhub/event_history.hpp"
#include "sensorhub/liveness.hpp"
#include "sensorhub/logger.hpp"
#include "sensorhub/postgres_repository.hpp"
#include "sensorhub/reading_service.hpp"
#include "sensorhub/repository.hpp"
#include "sensorhub/sensor_service.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "sensorhub/transport.hpp"

namespace sensorhub {

struct hub_options {
  // Storage: used when `repo` is not set. A postgres_repository when
  // postgres.uri is set (SPEC §12; needs a build with SENSORHUB_HAS_POSTGRES),
  // a sqlite_repository on `storage` otherwise.
  sqlite_options storage;
  postgres_options postgres;
  // This node's name in a cluster (SPEC §12): when set, every system event
  // the hub writes carries it as data.node, so that `general` subscribers of
  // every node can tell which node it came from. sensorhubd sets it on
  // PostgreSQL (default: host name and port).
  std::string node;
  std::size_t workers = 2;  // threads for blocking (SQLite) work
  // Publish committed events from a publisher thread of the hub instead of
  // the committing thread: a write returns as soon as its commit is durable
  // (the outbox already holds its event), and every group committed during
  // a fan-out goes out in the next one. Order is commit order either way.
  // With it, subscribers and stats().events_published see an event shortly
  // after the write returned, not before (stop() still publishes
  // everything before transports close). sensorhubd turns it on.
  bool publish_async = false;
  // Event-log retention (SPEC §5). When max_events or max_age is set, a
  // background thread started by start() applies it every prune_interval
  // (first pass right after start), in bounded batches so writers get in
  // between; prune() applies it on demand.
  retention_policy retention;
  // Readings retention with hourly rollups (SPEC §13): applied by the same
  // background thread, every prune_interval, after the event retention.
  // A pass that removed something writes one `retention_applied` system
  // event on general.
  readings_retention_policy readings_retention;
  std::chrono::milliseconds prune_interval{60000};  // <= 0: no background prune
  std::string server_name;                          // default "sensorhubd/<version>"
  // Liveness (SPEC §13): when enabled, a checker thread started by start()
  // commits sensor_stale / sensor_fresh system events on `general`, each
  // transition once (the flag is stored with the event).
  staleness_policy staleness;

  // Extension points. An injected repository replaces the SQLite one (the
  // hub installs its commit hook on it, replacing any other, and removes it
  // in its destructor); an injected bus replaces the local_event_bus (the
  // hub leaves its error handler alone). Both may be shared with others.
  std::shared_ptr<repository> repo;
  std::shared_ptr<event_bus> bus;
  // Where the hub, its default bus, its worker pool, sessions and
  // transports report what they cannot throw (see logger.hpp). Default:
  // warn and error lines on stderr; null_log_sink() silences it.
  log_sink logger = stderr_log_sink();
};

// The facade: opens (or takes) the repository, wires its commit hook to the
// bus (its own local_event_bus or an injected one), owns the services, a
// worker pool and the transports. Embedding takes a few
// lines:
//
//   sensorhub::hub h{{}};
//   auto sub = h.subscribe(sensorhub::channel::sensors,
//                          [](const sensorhub::event& e) { std::puts(e.json->c_str()); });
//   h.sensors().create({"temperatura", "DHT22"});
//
// Thread-safe. start() and stop() are each effective once; the destructor
// calls stop().
class hub {
 public:
  explicit hub(hub_options options);
  ~hub();
  hub(const hub&) = delete;
  hub& operator=(const hub&) = delete;

  sensor_service& sensors() noexcept;
  reading_service& readings() noexcept;
  event_bus& bus() noexcept;
  repository& repo() noexcept;

  // Calls fn for each event of the channel on a thread of its own
  // (callback_subscriber). Keep the returned handle to stay subscribed.
  // An exception from fn is logged (error) and delivery continues.
  subscription subscribe(channel c, std::function<void(const event&)> fn, event_filter filter = {});

  // Started by start(); or immediately if the hub is already started.
  void add_transport(std::shared_ptr<transport> t);

  // Starts transports and publishes the server_started system event.
  void start();
  // Publishes server_stopping, stops transports, drains the worker pool.
  // Also stops the background prune (waiting for a pass in progress).
  void stop() noexcept;

  // One retention pass now, with options.retention; returns the events
  // deleted (0 when neither max_events nor max_age is set). Throws
  // sensorhub::error(errc::storage) on a storage failure.
  std::uint64_t prune();
  // One readings retention pass now, with options.readings_retention (see
  // repository::apply_readings_retention); writes `retention_applied` when
  // it removed something. Throws sensorhub::error(errc::storage).
  readings_retention_result apply_readings_retention();

  // The persisted event history as `scope` sees it (SPEC §5, §7.1): what
  // GET /events serves. read_events (event_history.hpp) with the hub's
  // repository: up to q.limit visible events with seq > q.since on
  // q.channels, ascending, scope_left/scope_entered views included. Blocking.
  std::vector<event> events(const event_query& q, const data_scope& scope = {});

  // GET /sensores/{id}/status as `scope` sees it: nothing when the sensor
  // does not exist for it. `stale` is computed now from options.staleness.
  // Blocking.
  std::optional<sensor_status> status(std::int64_t sensor_id, const data_scope& scope = {});

  // Whether the node can write and publish now (GET /readyz, SPEC §12): the
  // repository's ready(). Blocking (a database round trip on PostgreSQL).
  bool ready();

  // Runs fn on the worker pool (SQLite work off network threads).
  void run_blocking(std::function<void()> fn);

  // Broadcasts a test_event (not persisted, no seq); returns deliveries.
  std::size_t publish_test_event(channel c, std::string_view message, std::string_view data_json);

  hub_stats stats() const;
  transport_context context();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace sensorhub

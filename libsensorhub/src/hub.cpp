// SPDX-License-Identifier: MIT
#include "sensorhub/hub.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "detail/liveness_thread.hpp"
#include "detail/prune_thread.hpp"
#include "detail/publish_thread.hpp"
#include "detail/worker_pool.hpp"
#include "sensorhub/codec.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/local_event_bus.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "sensorhub/subscribers/callback_subscriber.hpp"
#include "sensorhub/version.hpp"

namespace sensorhub {

namespace {

bool retention_set(const retention_policy& p) { return p.max_events > 0 || p.max_age.count() > 0; }
bool retention_set(const readings_retention_policy& p) {
  return p.raw_age.count() > 0 || p.rollup_age.count() > 0;
}

std::string optional_time_json(const std::optional<timestamp>& t) {
  return t ? quote_json(format_time(*t)) : std::string("null");
}

// SPEC §13: the counts of one readings retention pass.
std::string retention_data_json(const readings_retention_result& r) {
  return "{\"readings_deleted\":" + std::to_string(r.readings_deleted) +
         ",\"hours_rolled_up\":" + std::to_string(r.hours_rolled_up) +
         ",\"rollups_deleted\":" + std::to_string(r.rollups_deleted) +
         ",\"raw_cutoff\":" + optional_time_json(r.raw_cutoff) +
         ",\"rollup_cutoff\":" + optional_time_json(r.rollup_cutoff) + "}";
}

std::string server_data_json(const std::string& server) {
  return "{\"server\":" + quote_json(server) + ",\"version\":" + quote_json(SENSORHUB_VERSION) +
         "}";
}

std::shared_ptr<repository> open_repository(const hub_options& o) {
  if (o.repo) return o.repo;
  if (!o.postgres.uri.empty()) {
#if SENSORHUB_HAS_POSTGRES
    postgres_options pg = o.postgres;
    pg.log = o.logger;
    return std::make_shared<postgres_repository>(pg);
#else
    throw error(errc::storage, "this build of sensorhub has no PostgreSQL support");
#endif
  }
  sqlite_options storage = o.storage;
  storage.log = o.logger;
  return std::make_shared<sqlite_repository>(storage);
}

// SPEC §12: a cluster node's system events name it in data.node.
std::string with_node(const std::string& data_json, const std::string& node) {
  if (node.empty() || data_json.size() < 2 || data_json.back() != '}') return data_json;
  std::string out = data_json.substr(0, data_json.size() - 1);
  if (out.find_first_not_of(" \t\r\n", 1) != std::string::npos) out.push_back(',');
  out += "\"node\":" + quote_json(node) + "}";
  return out;
}

std::shared_ptr<event_bus> open_bus(const hub_options& o) {
  if (o.bus) return o.bus;
  return std::make_shared<local_event_bus>(o.logger);
}

// hub::subscribe's handle: the bus subscription plus the callback thread,
// which must not be joined from inside its own callback.
class callback_control final : public subscription::control {
 public:
  callback_control(subscription bus_sub, std::shared_ptr<callback_subscriber> sub, log_sink log)
      : bus_sub_(std::move(bus_sub)), sub_(std::move(sub)), log_(std::move(log)) {}

  void set_filter(event_filter filter) override { bus_sub_.set_filter(std::move(filter)); }

  void cancel() noexcept override {
    bus_sub_.reset();
    std::shared_ptr<callback_subscriber> last = std::move(sub_);
    if (last && last->in_callback()) {
      // Cancelled from inside its own callback: the subscriber's destructor
      // joins that very thread, so let another thread drop it.
      try {
        std::thread([s = std::move(last)]() mutable { s.reset(); }).detach();
      } catch (...) {  // no thread to be had: the subscriber went with the lambda, and
                       // its worker detached itself
        log_to(log_, log_level::warn,
               describe("hub::subscribe: cancel from the callback", std::current_exception()));
      }
    }
    // Otherwise `last` goes here: queued events are delivered, the worker
    // joined, and no callback runs after reset() returns.
  }

 private:
  subscription bus_sub_;
  std::shared_ptr<callback_subscriber> sub_;
  log_sink log_;
};

}  // namespace

struct hub::impl {
  explicit impl(hub_options o)
      : options(std::move(o)),
        server_name(options.server_name.empty() ? std::string("sensorhubd/") + SENSORHUB_VERSION
                                                : options.server_name),
        bus(open_bus(options)),
        repo(open_repository(options)),
        sensors(*repo),
        readings(*repo),
        pool(options.workers, options.logger) {
    // A cluster node counts every event of the cluster (SPEC §12): those
    // committed before its hook was installed, then what its bus publishes.
    if (repo->shared()) published_before = repo->last_seq();
    if (options.publish_async) {
      publisher = std::make_unique<detail::publish_thread>(bus, options.logger);
      repo->set_commit_hook(
          [p = publisher.get()](const std::vector<event>& evs) { p->enqueue(evs); });
      return;
    }
    repo->set_commit_hook([b = bus, log = options.logger](const std::vector<event>& evs) {
      try {
        b->publish(evs);
      } catch (...) {  // the commit stands; the events stay in the log for resume
        log_to(log, log_level::error,
               describe("publishing committed events failed", std::current_exception()));
      }
    });
  }
  ~impl() {
    try {
      repo->set_commit_hook({});  // an injected repository may outlive the hub
      if (publisher) publisher->stop();
    } catch (...) {
      log_to(options.logger, log_level::warn,
             describe("removing the commit hook failed", std::current_exception()));
    }
  }
  impl(const impl&) = delete;
  impl& operator=(const impl&) = delete;

  void write_system_event(const char* name) {
    system_change change;
    change.name = name;
    change.data_json = with_node(server_data_json(server_name), options.node);
    repo->write([&change](write_tx& tx) { tx.append(change); });
  }

  readings_retention_result apply_readings_retention() {
    readings_retention_result r = repo->apply_readings_retention(options.readings_retention, now());
    if (r.removed_something()) {
      system_change change;
      change.name = "retention_applied";
      change.data_json = with_node(retention_data_json(r), options.node);
      repo->write([&change](write_tx& tx) { tx.append(change); });
    }
    return r;
  }

  // One background pass: event retention, then readings retention.
  void retention_pass() {
    if (retention_set(options.retention)) repo->prune_events(options.retention);
    if (retention_set(options.readings_retention)) apply_readings_retention();
  }

  hub_options options;
  std::string server_name;
  const std::chrono::steady_clock::time_point created = std::chrono::steady_clock::now();
  std::shared_ptr<event_bus> bus;  // before repo: the commit hook publishes into it
  std::shared_ptr<repository> repo;
  std::unique_ptr<detail::publish_thread> publisher;  // with publish_async
  std::uint64_t published_before = 0;                 // shared storage: events before this hub
  sensor_service sensors;
  reading_service readings;
  detail::worker_pool pool;  // declared last: its threads start after everything else

  std::mutex m;  // lifecycle and transports
  bool started = false;
  bool stopped = false;
  std::vector<std::shared_ptr<transport>> transports;
  std::unique_ptr<detail::prune_thread> pruner;       // while started, when retention is set
  std::atomic<std::uint64_t> stale_sensors{0};        // written by `liveness`
  std::unique_ptr<detail::liveness_thread> liveness;  // while started, when staleness is set
};

hub::hub(hub_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

hub::~hub() { stop(); }

sensor_service& hub::sensors() noexcept { return impl_->sensors; }
reading_service& hub::readings() noexcept { return impl_->readings; }
event_bus& hub::bus() noexcept { return *impl_->bus; }
repository& hub::repo() noexcept { return *impl_->repo; }

subscription hub::subscribe(channel c, std::function<void(const event&)> fn, event_filter filter) {
  const log_sink& log = impl_->options.logger;
  auto on_error = [log](const std::exception_ptr& e) {
    log_to(log, log_level::error, describe("hub::subscribe callback", e));
  };
  auto sub = std::make_shared<callback_subscriber>(std::move(fn), std::move(on_error));
  subscription bus_sub = impl_->bus->subscribe(c, sub, std::move(filter));
  return subscription(std::make_unique<callback_control>(std::move(bus_sub), std::move(sub), log));
}

void hub::add_transport(std::shared_ptr<transport> t) {
  if (!t) return;
  std::unique_lock<std::mutex> lk(impl_->m);
  if (impl_->stopped) return;
  impl_->transports.push_back(t);
  if (impl_->started) {
    lk.unlock();
    t->start(context());
  }
}

void hub::start() {
  std::vector<std::shared_ptr<transport>> ts;
  {
    std::lock_guard<std::mutex> lk(impl_->m);
    if (impl_->started || impl_->stopped) return;
    impl_->started = true;
    ts = impl_->transports;
  }
  std::vector<std::shared_ptr<transport>> running;
  try {
    for (auto& t : ts) {
      t->start(context());
      running.push_back(t);
    }
    impl_->write_system_event("server_started");
  } catch (...) {
    for (auto& t : running) t->stop();
    throw;
  }
  const hub_options& o = impl_->options;
  if ((retention_set(o.retention) || retention_set(o.readings_retention)) &&
      o.prune_interval.count() > 0) {
    impl* self = impl_.get();
    auto pruner = std::make_unique<detail::prune_thread>([self] { self->retention_pass(); },
                                                         o.prune_interval, o.logger);
    std::lock_guard<std::mutex> lk(impl_->m);
    if (!impl_->stopped) impl_->pruner = std::move(pruner);
    // else: stop() ran meanwhile; `pruner` stops and joins here
  }
  if (o.staleness.enabled()) {
    auto checker = std::make_unique<detail::liveness_thread>(*impl_->repo, o.staleness, o.logger,
                                                             impl_->stale_sensors, o.node);
    std::lock_guard<std::mutex> lk(impl_->m);
    if (!impl_->stopped) impl_->liveness = std::move(checker);
  }
}

void hub::stop() noexcept {
  bool was_started = false;
  std::vector<std::shared_ptr<transport>> ts;
  std::unique_ptr<detail::prune_thread> pruner;
  std::unique_ptr<detail::liveness_thread> liveness;
  {
    std::lock_guard<std::mutex> lk(impl_->m);
    if (impl_->stopped) return;
    impl_->stopped = true;
    was_started = impl_->started;
    ts.swap(impl_->transports);
    pruner.swap(impl_->pruner);
    liveness.swap(impl_->liveness);
  }
  pruner.reset();  // joins; outside the lock
  liveness.reset();
  if (was_started) {
    try {
      impl_->write_system_event("server_stopping");
    } catch (...) {  // storage failure at shutdown: the stop goes on
      log_to(impl_->options.logger, log_level::warn,
             describe("writing server_stopping failed", std::current_exception()));
    }
    // Every committed event, server_stopping included, reaches the
    // transports before they close.
    if (impl_->publisher) impl_->publisher->flush();
    for (auto& t : ts) t->stop();
  }
  impl_->pool.stop();
}

std::uint64_t hub::prune() { return impl_->repo->prune_events(impl_->options.retention); }

readings_retention_result hub::apply_readings_retention() {
  return impl_->apply_readings_retention();
}

std::vector<event> hub::events(const event_query& q, const data_scope& scope) {
  return read_events(*impl_->repo, q, scope).events;
}

std::optional<sensor_status> hub::status(std::int64_t sensor_id, const data_scope& scope) {
  const auto s = impl_->sensors.get(sensor_id, scope);
  if (!s) return std::nullopt;
  reading_query q;
  q.sensor_id = sensor_id;
  q.limit = 1;
  const auto newest = impl_->repo->list_readings(q, scope);
  sensor_status st;
  st.sensor_id = sensor_id;
  if (!newest.empty()) {
    st.last_reading_at = newest.front().timestamp;
    st.last_valor = newest.front().valor;
  }
  st.stale = is_stale(impl_->options.staleness, s->tipo, st.last_reading_at, now());
  return st;
}

bool hub::ready() {
  try {
    return impl_->repo->ready();
  } catch (...) {
    return false;
  }
}

void hub::run_blocking(std::function<void()> fn) { impl_->pool.run(std::move(fn)); }

std::size_t hub::publish_test_event(channel c, std::string_view message,
                                    std::string_view data_json) {
  return impl_->bus->publish(make_test_event(c, message, data_json, now()));
}

hub_stats hub::stats() const {
  hub_stats s = impl_->bus->stats();
  s.events_published += impl_->published_before;
  s.stale_sensors = impl_->stale_sensors.load(std::memory_order_relaxed);
  s.uptime_s = static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(
                                              std::chrono::steady_clock::now() - impl_->created)
                                              .count());
  try {
    s.last_seq = std::max(s.last_seq, impl_->repo->last_seq());
  } catch (...) {  // stats stay available when storage is not (frequent: debug only)
    log_to(impl_->options.logger, log_level::debug,
           describe("stats: last_seq unavailable", std::current_exception()));
  }
  return s;
}

transport_context hub::context() {
  transport_context ctx;
  ctx.bus = impl_->bus.get();
  ctx.repo = impl_->repo.get();
  ctx.stats = [this] { return stats(); };
  ctx.run_blocking = [this](std::function<void()> fn) { run_blocking(std::move(fn)); };
  ctx.server = impl_->server_name;
  ctx.log = impl_->options.logger;
  return ctx;
}

}  // namespace sensorhub

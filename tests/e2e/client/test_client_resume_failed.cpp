// SPDX-License-Identifier: MIT
// End-to-end: `resume_failed` (SPEC §5) as sensorhub::client handles it:
// re-sync from a snapshot, accept the gap, or stop.

#include "client_e2e.hpp"

using namespace sensorhub::e2e;

namespace {

// A daemon whose history keeps only the newest 10 events, after 30 sensors
// were created: a resume from seq 1 is no longer possible.
void make_truncated_history(daemon_process& d, std::vector<std::int64_t>& sensors) {
  const auto h = d.http();
  for (int i = 0; i < 30; ++i) sensors.push_back(create_sensor(h, "t", "m" + std::to_string(i)));
  restart_with_short_history(d);
}

sc::client_options options_for(const daemon_process& d, sc::resume_failed_policy policy) {
  sc::client_options o;
  o.url = url_of(d);
  o.channels = {"sensors"};
  o.since = 1;
  o.on_resume_failed = policy;
  o.queue_capacity = 1000;
  o.backoff.initial = std::chrono::milliseconds(20);
  o.backoff.max = std::chrono::milliseconds(250);
  return o;
}

sc::event next(sc::client& c) {
  auto e = c.next_event(std::chrono::seconds(30));
  REQUIRE(e.has_value());
  return *e;
}

}  // namespace

TEST_CASE("resume_failed with resync_snapshot: reported, then a snapshot, then live events") {
  daemon_process d;
  std::vector<std::int64_t> sensors;
  make_truncated_history(d, sensors);

  recorder rec;  // outlives the client: its callbacks run until c stops
  sc::client c(options_for(d, sc::resume_failed_policy::resync_snapshot));
  rec.attach(c);
  c.start();
  const sc::event failed = next(c);
  CHECK(failed.kind == sc::event_kind::resume_failed);
  CHECK(failed.event_type == "history_truncated");
  CHECK(failed.oldest_seq.value_or(0) > 2);
  // Nothing from the truncated replay: the next event is the snapshot.
  const sc::event snap = next(c);
  REQUIRE(snap.kind == sc::event_kind::snapshot);
  CHECK(snap.channel == "sensors");
  const json_doc s = json_doc::parse(snap.json);
  REQUIRE(s["data"].is_array());
  CHECK(s["data"].size() == sensors.size());
  CHECK(c.last_seq() == snap.seq);

  const std::int64_t id = create_sensor(d.http(), "t", "after");
  const sc::event live = next(c);
  CHECK(live.kind == sc::event_kind::entity);
  CHECK(live.entity_id == id);
  CHECK(live.seq.value_or(0) > snap.seq.value_or(0));
  bool reported = false;
  for (const auto& e : rec.errors()) reported = reported || e.kind == sc::error_kind::resume_failed;
  CHECK(reported);
  CHECK(c.state() == sc::connection_state::open);
}

TEST_CASE("resume_failed with accept_gap: the oldest retained events follow") {
  daemon_process d;
  std::vector<std::int64_t> sensors;
  make_truncated_history(d, sensors);
  sc::client c(options_for(d, sc::resume_failed_policy::accept_gap));
  c.start();
  const sc::event failed = next(c);
  REQUIRE(failed.kind == sc::event_kind::resume_failed);
  const std::int64_t oldest = failed.oldest_seq.value_or(0);
  // The retained sensor events, ascending, from the oldest on; the last one
  // is the 30th sensor's creation.
  std::int64_t prev = 0;
  for (;;) {
    const sc::event e = next(c);
    REQUIRE(e.kind == sc::event_kind::entity);
    CHECK(e.seq.value_or(0) >= oldest);
    CHECK(e.seq.value_or(0) > prev);
    prev = e.seq.value_or(0);
    if (e.entity_id == sensors.back()) break;
  }
}

TEST_CASE("resume_failed with stop: the client stops and says why") {
  daemon_process d;
  std::vector<std::int64_t> sensors;
  make_truncated_history(d, sensors);
  sc::client c(options_for(d, sc::resume_failed_policy::stop));
  c.start();
  const sc::event failed = next(c);
  CHECK(failed.kind == sc::event_kind::resume_failed);
  REQUIRE(wait_until([&] { return c.state() == sc::connection_state::stopped; },
                     std::chrono::seconds(30)));
  REQUIRE(c.stop_error().has_value());
  CHECK(c.stop_error()->kind == sc::error_kind::resume_failed);
  CHECK_FALSE(c.next_event(std::chrono::milliseconds(10)).has_value());
}

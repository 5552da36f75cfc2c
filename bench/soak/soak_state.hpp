// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace sensorhub::soak {

// Command-line settings of one soak run (see main.cpp for the flags).
struct soak_options {
  std::string daemon;         // sensorhubd binary
  std::string out_dir = ".";  // CSV, summary, daemon log, database
  int duration_s = 3600;
  int kill_every_s = 180;
  double sample_s = 5;
  int writers = 4;
  int auditors = 2;
  int churners = 6;
  int slow_readers = 3;
  int write_pause_ms = 20;                      // between one writer's requests
  std::size_t backlog_bytes = 2 * 1024 * 1024;  // > two replay pages
  unsigned seed = 1;
};

// Channel bits of a subscription or an event.
enum channel_bit : std::uint8_t { ch_sensors = 1, ch_readings = 2, ch_general = 4 };
std::uint8_t channel_bit_of(const std::string& name);

// State every thread of the run shares: where the daemon listens, the phase
// of the run, and the counters the sampler reports. Thread-safe (atomics).
struct shared_state {
  std::string host = "127.0.0.1";
  std::atomic<int> port{0};
  std::atomic<bool> writers_stop{false};
  std::atomic<bool> draining{false};           // subscribers: finish up
  std::atomic<std::int64_t> drain_target{-1};  // auditors read up to this seq
  std::atomic<bool> subscribers_stop{false};
  std::atomic<std::int64_t> events_received{0};
  std::atomic<std::int64_t> writes_acked{0};
  std::atomic<std::int64_t> writes_unknown{0};
  std::atomic<std::int64_t> writes_rejected{0};
  std::atomic<std::int64_t> cuts_1008{0};
  std::atomic<std::int64_t> resumes{0};
  std::atomic<std::int64_t> joins{0};
  std::atomic<int> kills{0};
};

// One connection of a subscriber: what it asked for and every seq it got.
// resumed: connected with since=start; else start is the first seq - 1.
struct segment {
  std::uint8_t mask = 0;
  bool resumed = false;
  std::int64_t start = -1;
  std::vector<std::int64_t> seqs;
  std::string end;  // how it ended ("1008", "eof", "left", ...)
};

// Everything one subscriber saw, for the final check. Written by its thread,
// read after join.
struct subscriber_record {
  std::string role;  // auditor, churner, slow
  int index = 0;
  std::vector<segment> segments;
  int cuts = 0;
  int resumes = 0;
  std::string error;  // a protocol error (resume_failed, bad message)
};

// The accepted value of an entity: `token` from the last acknowledged write,
// plus `maybe` tokens of later writes whose outcome is unknown.
struct entity_value {
  std::int64_t sensor_id = 0;  // readings only
  std::int64_t token = 0;
  std::vector<std::int64_t> maybe;
};

// One writer's ledger of acknowledged (2xx) and unknown writes. Owned by the
// writer thread; read after join.
struct writer_ledger {
  std::unordered_map<std::int64_t, entity_value> sensors;   // live, acked
  std::unordered_map<std::int64_t, entity_value> readings;  // live, acked
  std::unordered_map<std::int64_t, std::vector<std::int64_t>> readings_of;
  std::vector<std::int64_t> deleted_sensors, deleted_readings;  // acked DELETEs
  std::vector<std::int64_t> cascaded_readings;                  // gone with their sensor
  // (id, token) of acked creates and updates: each must have its event.
  std::vector<std::pair<std::int64_t, std::int64_t>> sensor_writes, reading_writes;
  std::unordered_set<std::int64_t> maybe_sensor_tokens, maybe_reading_tokens;
  std::int64_t acked = 0, unknown = 0, rejected = 0, batches = 0, batch_items = 0;
  std::string first_rejection;
};

}  // namespace sensorhub::soak

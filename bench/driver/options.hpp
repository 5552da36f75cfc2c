// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace bench {

// Command line of sensorhub_bench. Plain data, filled once by parse_options.
struct bench_options {
  std::string scenario;                      // see usage_text()
  std::string url;                           // daemon already running: http://HOST:PORT
  std::vector<std::string> subscriber_urls;  // fanout: subscribers spread over these nodes
  std::string daemon_path;                   // or start this sensorhubd ...
  std::string db_path;                       // ... on this database (default: a fresh temp file)
  std::string daemon_log;                    // daemon stdout/stderr (default: next to the db)
  std::vector<std::string> daemon_args;      // extra daemon flags
  std::string token;                         // Authorization: Bearer for writes (optional)
  std::size_t subscribers = 1;
  std::size_t writers = 4;
  std::size_t writes = 2000;
  double write_rate = 0.0;        // fanout: writes/s in total (0 = closed loop)
  std::string mode = "create";    // create (POST) | update (PUT)
  unsigned threads = 1;           // subscriber client threads
  unsigned writer_threads = 1;    // threads of the HTTP clients
  unsigned source_addresses = 1;  // subscribers bind 127.0.0.1 .. 127.0.0.N
  int pid = 0;                    // server pid with --url (CPU, RSS)
  std::size_t connect_batch = 100;
  double connect_timeout_s = 60.0;   // per batch of subscribers
  double timeout_s = 60.0;           // wait for missing deliveries after the last write
  std::size_t events = 100000;       // resume: events to preload; ingest: readings
  std::size_t batch_size = 10000;    // resume, ingest: readings per POST /lecturas/batch
  std::size_t consume_delay_us = 0;  // resume: sleep per received event (a slower client)
  bool reconnect = false;            // resume: reconnect with since=<last seq> when dropped
  double rate = 0.0;                 // broadcast-baseline: events/s (0 = 500)
  double scoped_share = 0.0;         // fanout: share of subscribers on a scoped read token
  bool check = false;                // exit 3 unless the run was clean
  bool help = false;
  bool version = false;  // --version
};

// Parses argv with CLI11 (--flag VALUE or --flag=VALUE; ranges checked);
// throws std::invalid_argument with a message on a bad flag. --help sets
// help and returns at once, --version sets version.
bench_options parse_options(int argc, char** argv);

// The --help text (generated from the flags).
std::string usage_text();

}  // namespace bench

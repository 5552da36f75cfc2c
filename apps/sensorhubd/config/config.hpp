// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "sensorhub/liveness.hpp"

namespace sensorhubd {

// Safe defaults for every limit (SPEC §2, §3, §7).
struct daemon_limits {
  std::size_t max_body_bytes = 1u << 20;         // REST bodies; larger -> 413
  std::size_t max_batch_body_bytes = 16u << 20;  // POST /lecturas/batch
  std::size_t max_message_bytes = 64u << 10;     // WebSocket client frames
  std::size_t max_connections = 10000;           // open sockets
  std::size_t backlog_bytes = 4u << 20;          // per subscriber: slow consumer
  std::size_t total_backlog_bytes = 256u << 20;  // all subscribers: largest cut first; 0: none
  std::chrono::seconds ping_interval{30};
  std::chrono::seconds pong_timeout{10};
  // Token buckets (SPEC §7); a rate of 0 turns that limit off.
  double write_rate_per_s = 50;  // REST writes per token and per address
  double write_burst = 100;
  double message_rate_per_s = 20;  // WebSocket client messages per connection
  double message_burst = 40;
  double shared_message_rate_per_s = 100;  // the same, per address and per token
  double shared_message_burst = 200;
  std::size_t message_flood_warnings = 10;         // rate_limited replies in a row, then close 1008
  std::size_t max_connections_per_address = 256;   // open WebSockets; 0: no cap
  std::chrono::milliseconds idle_timeout{60000};   // idle keep-alive HTTP connection -> closed
  std::size_t max_header_bytes = 16u << 10;        // request line + headers; larger -> 431
  std::chrono::milliseconds header_timeout{5000};  // to read a request head; then 408
  std::chrono::milliseconds sse_keepalive{15000};  // SSE `: keepalive` after this silence
  // Request bodies buffered at once over all connections; one that does
  // not fit -> 503 with Retry-After. 0: no budget. See docs/security.md.
  std::size_t max_buffered_body_bytes = 64u << 20;
};

// Who may do what (SPEC §7, docs/security.md).
struct auth_settings {
  bool no_public_ws = false;                 // /api/v1/ws demands a read token too
  std::vector<std::string> allowed_origins;  // WebSocket Origin allow-list; empty: no check
  std::chrono::milliseconds token_poll_interval{500};  // picks up `token revoke` from the CLI
};

// Durability, event-history and readings retention (SPEC §5, §13, docs/operations.md).
struct storage_settings {
  bool synchronous_full = false;          // PRAGMA synchronous: NORMAL (default) or FULL
  std::uint64_t retention_events = 0;     // keep at most this many events; 0: all
  std::chrono::seconds retention_age{0};  // drop events older than this; 0: never
  // Readings older than this are folded into hourly rollups and deleted
  // (whole UTC hours; SPEC §13); 0: raw readings are kept.
  std::chrono::seconds readings_retention{0};
  std::chrono::seconds rollup_retention{0};  // drop hourly rollups older than this; 0: never
  std::chrono::seconds prune_interval{60};   // how often the background prune runs
};

// Upper bound of network.threads / --threads.
inline constexpr std::size_t max_network_threads = 256;

// The daemon's settings: flags of SPEC §8, optionally from a JSON file.
struct daemon_config {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8000;
  // A SQLite file, or postgresql://USER@HOST:PORT/DBNAME (SPEC §12).
  std::string db = "sensorhub.db";
  // This node's name in data.node of its system events (SPEC §12); empty:
  // "<host name>:<port>" on PostgreSQL, none on SQLite.
  std::string node;
  bool test_endpoints = false;
  bool no_auth = false;
  std::string log_level = "info";
  std::size_t workers = 8;  // worker threads for SQLite work; concurrent writes group-commit
  std::size_t network_threads = 0;  // the transport's network threads; 0: one per core
  // TLS: both set -> the port speaks https:// and wss:// (PEM files; SIGHUP reloads them).
  std::string tls_cert;
  std::string tls_key;
  daemon_limits limits;
  storage_settings storage;
  auth_settings auth;
  // Liveness (SPEC §13): {"staleness": {"default": 600, "<tipo>": 60, ...}};
  // seconds; off when empty.
  sensorhub::staleness_policy staleness;
};

// Applies a JSON config file (keys: host, port, db, node, test_endpoints, no_auth,
// no_public_ws, allowed_origins, log_level, workers, network{threads}, tls_cert, tls_key,
// limits{...}, storage{...}, staleness{...});
// // and /* */ comments and trailing commas are allowed; unknown keys, wrong
// types and out-of-range values are errors. Returns "" on success, else the
// reason, naming the file (cfg may then be partly applied).
std::string load_config_file(const std::string& path, daemon_config& cfg);

// debug, info, warn or error.
bool valid_log_level(const std::string& level);

}  // namespace sensorhubd

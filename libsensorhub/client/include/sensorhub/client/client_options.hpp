// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace sensorhub::client {

// What the client does when the daemon answers a resume with
// `resume_failed` (the events after the last seen seq are no longer kept).
enum class resume_failed_policy {
  resync_snapshot,  // reconnect with snapshot=true: one "snapshot" event, then live events
  accept_gap,       // go on with the oldest retained event (the gap is lost)
  stop,             // stop the client (state stopped, error resume_failed)
};

// Capped exponential backoff with full jitter between reconnect attempts:
// attempt n waits a uniformly random time in [0, min(max, initial * 2^n)].
struct backoff_options {
  std::chrono::milliseconds initial{100};
  std::chrono::milliseconds max{5000};
};

// How to connect and what to subscribe to. Everything is read once, by start().
struct client_options {
  // ws://HOST:PORT[/PATH] or http://HOST:PORT[/PATH] (plain, default port
  // 80), wss://HOST:PORT[/PATH] or https://HOST:PORT[/PATH] (TLS, default port
  // 443); without a path (or "/") the daemon's WebSocket endpoint /api/v1/ws.
  // TLS URLs reach a daemon started with --tls-cert/--tls-key, or a
  // TLS-terminating proxy in front of its plain port (docs/clients.md).
  std::string url = "ws://127.0.0.1:8000";
  std::vector<std::string> channels{"general"};  // sensors, readings, general
  // Filters (SPEC §6) as key=value query parameters: entity_id, sensor_id,
  // event_type, tipo; a value may be a comma-separated list.
  std::vector<std::pair<std::string, std::string>> filters;
  bool conflate = false;              // latest-value delivery (SPEC §11)
  bool snapshot = false;              // ask for a snapshot on the first connection
  std::string token;                  // sent as "Authorization: Bearer TOKEN" when not empty
  std::optional<std::int64_t> since;  // resume point of the first connection

  // TLS (wss://, https:// only; TLS 1.2 or newer). tls_ca_file: a PEM file of
  // the CA certificates to trust; empty: the system's default verify paths.
  // The constructor throws std::invalid_argument when it cannot be loaded.
  std::string tls_ca_file;
  // true: the server's certificate chain must verify against those CAs AND
  // name the URL's host (subjectAltName DNS or IP). A failure is reported to
  // on_error (error_kind::connect_failed) and retried like any connect
  // failure. false: no verification at all (testing only: anyone in the
  // middle can read and forge the stream).
  bool tls_verify_peer = true;

  backoff_options backoff;
  resume_failed_policy on_resume_failed = resume_failed_policy::resync_snapshot;
  // false: when the very first connection attempt fails, stop (error
  // connect_failed) instead of retrying. Later drops always reconnect.
  bool retry_initial_connect = true;
  std::chrono::milliseconds connect_timeout{5000};
  // Liveness: a ping goes out every ping_interval; a connection that received
  // nothing for pong_timeout is dead and is replaced.
  std::chrono::milliseconds ping_interval{5000};
  std::chrono::milliseconds pong_timeout{15000};
  // Capacity of the queue read by next_event(). 0 (the default): no queue,
  // callbacks only. When the queue is full the network thread waits for
  // room (the daemon then sees a slow reader; see docs/clients.md).
  std::size_t queue_capacity = 0;
};

}  // namespace sensorhub::client

// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sensorhub/time.hpp"

namespace sensorhub {

// A sensor (entity_type "sensor"), SPEC §1. Plain value type.
struct sensor {
  std::int64_t id = 0;
  std::string tipo;                      // 1..64 code points
  std::string modelo;                    // 1..128 code points
  std::optional<std::string> ubicacion;  // <= 256 code points, or null
  bool activo = true;
  timestamp created_at{};
  timestamp updated_at{};
};

// A reading (entity_type "lectura"), SPEC §1. Plain value type.
struct reading {
  std::int64_t id = 0;
  std::int64_t sensor_id = 0;
  double valor = 0.0;                 // finite
  std::optional<std::string> unidad;  // <= 32 code points, or null
  sensorhub::timestamp timestamp{};   // time measured
  sensorhub::timestamp created_at{};
  sensorhub::timestamp updated_at{};
};

// The fields a client sent, for create (required ones must be present) and
// for partial update (only present fields change). An optional<optional<T>>
// distinguishes "absent" from "explicit null".
struct sensor_patch {
  std::optional<std::string> tipo;
  std::optional<std::string> modelo;
  std::optional<std::optional<std::string>> ubicacion;
  std::optional<bool> activo;
};

struct reading_patch {
  std::optional<std::int64_t> sensor_id;
  std::optional<double> valor;
  std::optional<std::optional<std::string>> unidad;
  std::optional<sensorhub::timestamp> timestamp;
};

inline constexpr std::size_t default_list_limit = 100;
inline constexpr std::size_t max_list_limit = 1000;
inline constexpr std::size_t max_batch_items = 10000;
inline constexpr std::int64_t max_agg_buckets = 10000;

struct sensor_query {
  std::optional<std::string> tipo;
  std::size_t limit = default_list_limit;
  std::size_t offset = 0;
};

// Readings are listed newest first: by timestamp, then id, both descending.
struct reading_query {
  std::optional<std::int64_t> sensor_id;
  std::optional<sensorhub::timestamp> since;  // inclusive
  std::optional<sensorhub::timestamp> until;  // exclusive
  std::size_t limit = default_list_limit;
  std::size_t offset = 0;
};

// Result of POST /lecturas/batch.
struct batch_result {
  std::size_t created = 0;
  std::int64_t first_id = 0;
  std::int64_t last_id = 0;
};

// GET /sensores/{id}/lecturas/agg (SPEC §13): readings of one sensor with
// since <= timestamp < until, grouped in buckets of `bucket` aligned to UTC
// (the Unix epoch).
struct agg_query {
  std::int64_t sensor_id = 0;
  sensorhub::timestamp since;
  sensorhub::timestamp until;
  std::chrono::microseconds bucket{60'000'000};
};

// One non-empty bucket; first/last by timestamp, then id.
struct agg_bucket {
  sensorhub::timestamp bucket_start;
  std::int64_t count = 0;
  double min = 0, max = 0, avg = 0, first = 0, last = 0;
};

// An answer kept for an Idempotency-Key (SPEC §13): scoped to `owner` (a
// token or a client address), replayed for the same key within 24 h.
struct idempotent_response {
  std::string owner;
  std::string key;
  std::string request_hash;  // of the method, path and body that got it
  int status = 0;
  std::string body;
  sensorhub::timestamp created_at;
};

}  // namespace sensorhub

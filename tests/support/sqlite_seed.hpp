// SPDX-License-Identifier: MIT
#pragma once

// Storage-level tests' seeding: a file-backed sqlite_options, a sensor, and
// readings with chosen timestamps written straight through the repository.

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "sensorhub/repository.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "sensorhub/time.hpp"

namespace sensorhub::testing {

inline sqlite_options sqlite_file_options(const std::string& path) {
  sqlite_options o;
  o.path = path;
  return o;
}

// A temperatura/DHT22 sensor; its id.
inline std::int64_t seed_sensor(repository& repo) {
  std::int64_t id = 0;
  repo.write([&](write_tx& tx) {
    sensor s;
    s.tipo = "temperatura";
    s.modelo = "DHT22";
    s.created_at = s.updated_at = now();
    id = tx.insert_sensor(s).id;
  });
  return id;
}

// (timestamp in microseconds since the epoch, valor) pairs, in one write.
inline void seed_readings(repository& repo, std::int64_t sensor_id,
                          const std::vector<std::pair<long long, double>>& rows) {
  repo.write([&](write_tx& tx) {
    for (const auto& [ts, v] : rows) {
      reading l;
      l.sensor_id = sensor_id;
      l.valor = v;
      l.timestamp = from_micros(ts);
      l.created_at = l.updated_at = now();
      tx.insert_reading(l);
    }
  });
}

}  // namespace sensorhub::testing

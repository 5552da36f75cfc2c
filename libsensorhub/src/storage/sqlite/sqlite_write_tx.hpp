// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "sensorhub/repository.hpp"
#include "storage/sqlite/sqlite_connection.hpp"

namespace sensorhub::detail {

std::optional<sensor> find_sensor_on(sqlite_connection& c, std::int64_t id);
std::optional<reading> find_reading_on(sqlite_connection& c, std::int64_t id);

// The write_tx handed to repository::write: bound to the writer connection,
// valid for one write (one savepoint of a group's transaction) on the
// leading thread. Seqs continue from the `last_seq` it is given. Not
// thread-safe.
class sqlite_write_tx final : public write_tx {
 public:
  sqlite_write_tx(sqlite_connection& c, std::uint64_t last_seq) : c_(c), last_seq_(last_seq) {}

  std::optional<sensor> find_sensor(std::int64_t id) override { return find_sensor_on(c_, id); }
  std::optional<reading> find_reading(std::int64_t id) override { return find_reading_on(c_, id); }

  sensor insert_sensor(sensor s) override;
  void update_sensor(const sensor& s) override;
  std::int64_t delete_sensor(std::int64_t id) override;

  reading insert_reading(reading l) override;
  void update_reading(const reading& l) override;
  void delete_reading(std::int64_t id) override;

  const event& append(const entity_change& change) override;
  const event& append(const system_change& change) override;
  void put_idempotent(const idempotent_response& r, timestamp expire_before) override;
  bool set_stale(std::int64_t sensor_id, bool stale) override;

  // The last seq appended (or the one given, if none).
  std::uint64_t last_seq() const noexcept { return last_seq_; }
  // Moves the appended events out, in seq order.
  std::vector<event> take_events();

 private:
  const event& store(event e, timestamp at);

  sqlite_connection& c_;
  std::uint64_t last_seq_;
  std::deque<event> events_;  // a deque keeps references handed out by append() valid
};

}  // namespace sensorhub::detail

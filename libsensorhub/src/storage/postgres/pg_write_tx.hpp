// SPDX-License-Identifier: MIT
#pragma once

#include <pqxx/transaction_base>

#include <cstdint>
#include <deque>
#include <optional>
#include <variant>
#include <vector>

#include "sensorhub/repository.hpp"

namespace sensorhub::detail {

std::optional<sensor> pg_find_sensor(pqxx::transaction_base& tx, std::int64_t id);
std::optional<reading> pg_find_reading(pqxx::transaction_base& tx, std::int64_t id);

// An event appended in a transaction whose seq is not known yet: the seqs
// are taken from the counter as the transaction's last statements
// (pg_repository.cpp), then the event is made and serialized once.
struct pg_pending_event {
  std::variant<entity_change, system_change> change;
  timestamp at;
};

// The write_tx handed to repository::write on PostgreSQL: bound to the
// writer's transaction for one write (one savepoint of a group). Row
// changes go to the database at once; appended events are kept until the
// group takes its seqs. Not thread-safe.
class pg_write_tx final : public write_tx {
 public:
  explicit pg_write_tx(pqxx::transaction_base& tx) : tx_(tx) {}

  std::optional<sensor> find_sensor(std::int64_t id) override { return pg_find_sensor(tx_, id); }
  std::optional<reading> find_reading(std::int64_t id) override { return pg_find_reading(tx_, id); }

  sensor insert_sensor(sensor s) override;
  void update_sensor(const sensor& s) override;
  std::int64_t delete_sensor(std::int64_t id) override;

  reading insert_reading(reading l) override;
  void update_reading(const reading& l) override;
  void delete_reading(std::int64_t id) override;

  // Keep the change; the returned event has seq 0 and no JSON (see
  // repository.hpp): the seq is assigned when the group commits.
  const event& append(const entity_change& change) override;
  const event& append(const system_change& change) override;
  void put_idempotent(const idempotent_response& r, timestamp expire_before) override;
  bool set_stale(std::int64_t sensor_id, bool stale) override;

  std::vector<pg_pending_event> take_pending();

 private:
  pqxx::transaction_base& tx_;
  std::vector<pg_pending_event> pending_;
  std::deque<event> provisional_;  // what append() returned; references stay valid
};

}  // namespace sensorhub::detail

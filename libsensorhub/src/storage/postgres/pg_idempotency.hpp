// SPDX-License-Identifier: MIT
#pragma once

#include <pqxx/transaction_base>

#include <optional>
#include <string>

#include "sensorhub/model.hpp"

namespace sensorhub::detail {

// repository::find_idempotent and write_tx::put_idempotent (which also drops
// a bounded number of answers older than `expire_before`).
std::optional<idempotent_response> pg_find_idempotent(pqxx::transaction_base& tx,
                                                      const std::string& owner,
                                                      const std::string& key);
void pg_put_idempotent(pqxx::transaction_base& tx, const idempotent_response& r,
                       timestamp expire_before);

}  // namespace sensorhub::detail

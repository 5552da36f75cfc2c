// SPDX-License-Identifier: MIT
#include "auth/token_store_factory.hpp"

#include "sensorhub/auth/sqlite_token_store.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/postgres_repository.hpp"
#include "sensorhub/version.hpp"
#if SENSORHUB_HAS_POSTGRES
#include "sensorhub/auth/postgres_token_store.hpp"
#endif

namespace sensorhubd {

std::unique_ptr<sensorhub::token_store> open_token_store(const std::string& db) {
  if (sensorhub::is_postgres_uri(db)) {
#if SENSORHUB_HAS_POSTGRES
    return std::make_unique<sensorhub::postgres_token_store>(db);
#else
    throw sensorhub::error(sensorhub::errc::storage,
                           "this build of sensorhubd has no PostgreSQL support");
#endif
  }
  return std::make_unique<sensorhub::sqlite_token_store>(db);
}

}  // namespace sensorhubd

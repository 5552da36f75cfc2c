// SPDX-License-Identifier: MIT
#pragma once

#include <pqxx/connection>

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sensorhub::detail {

// A fixed number of connections to one database, opened lazily and handed
// out one caller at a time. A connection that broke is dropped when its
// lease ends (discard()) and a new one is opened on the next acquire, so the
// pool heals after a database restart. Thread-safe.
class pg_pool {
 public:
  pg_pool(std::string uri, std::size_t size);
  pg_pool(const pg_pool&) = delete;
  pg_pool& operator=(const pg_pool&) = delete;

  class lease {
   public:
    lease(pg_pool& pool, std::unique_ptr<pqxx::connection> c) noexcept
        : pool_(&pool), c_(std::move(c)) {}
    lease(lease&& o) noexcept : pool_(o.pool_), c_(std::move(o.c_)) { o.pool_ = nullptr; }
    lease& operator=(lease&&) = delete;
    ~lease() {
      if (pool_) pool_->give_back(std::move(c_));
    }

    pqxx::connection& operator*() const noexcept { return *c_; }
    // The connection is broken: close it instead of returning it.
    void discard() noexcept { c_.reset(); }

   private:
    pg_pool* pool_;
    std::unique_ptr<pqxx::connection> c_;
  };

  // Waits for a free slot; opens a connection for it when it has none.
  // Throws what pqxx::connection throws when the database is unreachable
  // (the slot stays free).
  lease acquire();

 private:
  void give_back(std::unique_ptr<pqxx::connection> c) noexcept;

  const std::string uri_;
  std::mutex m_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_;  // open, not leased
  std::size_t free_slots_;                               // idle_ + slots with no connection
};

}  // namespace sensorhub::detail

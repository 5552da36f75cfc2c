// SPDX-License-Identifier: MIT
#include "storage/postgres/pg_pool.hpp"

#include <utility>

namespace sensorhub::detail {

pg_pool::pg_pool(std::string uri, std::size_t size)
    : uri_(std::move(uri)), free_slots_(size == 0 ? 1 : size) {}

pg_pool::lease pg_pool::acquire() {
  std::unique_ptr<pqxx::connection> c;
  {
    std::unique_lock<std::mutex> lk(m_);
    cv_.wait(lk, [this] { return free_slots_ > 0; });
    --free_slots_;
    if (!idle_.empty()) {
      c = std::move(idle_.back());
      idle_.pop_back();
    }
  }
  if (!c) {
    try {
      c = std::make_unique<pqxx::connection>(uri_);
    } catch (...) {
      give_back(nullptr);
      throw;
    }
  }
  return lease(*this, std::move(c));
}

void pg_pool::give_back(std::unique_ptr<pqxx::connection> c) noexcept {
  {
    std::lock_guard<std::mutex> lk(m_);
    if (c && c->is_open()) idle_.push_back(std::move(c));
    ++free_slots_;
  }
  cv_.notify_one();
}

}  // namespace sensorhub::detail

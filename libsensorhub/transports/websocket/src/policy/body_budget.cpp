// SPDX-License-Identifier: MIT
#include "policy/body_budget.hpp"

#include <limits>
#include <utility>

namespace sensorhub::ws_detail {

bool body_budget::try_take(std::size_t n) noexcept {
  if (limit_ == 0) {
    used_.fetch_add(n, std::memory_order_relaxed);
    return true;
  }
  std::size_t now = used_.load(std::memory_order_relaxed);
  do {
    if (n > limit_ || now > limit_ - n) return false;
  } while (!used_.compare_exchange_weak(now, now + n, std::memory_order_relaxed));
  return true;
}

body_reservation::body_reservation(body_reservation&& o) noexcept
    : budget_(std::move(o.budget_)), held_(std::exchange(o.held_, 0)) {}

body_reservation& body_reservation::operator=(body_reservation&& o) noexcept {
  if (this != &o) {
    release();
    budget_ = std::move(o.budget_);
    held_ = std::exchange(o.held_, 0);
  }
  return *this;
}

bool body_reservation::grow_to(std::size_t total, std::size_t step) noexcept {
  if (total <= held_ || !budget_) return true;
  const std::size_t exact = total - held_;
  std::size_t rounded = exact;
  if (step > 1 && exact <= std::numeric_limits<std::size_t>::max() - step) {
    rounded = (exact + step - 1) / step * step;
  }
  // The rounded step if it fits, else exactly what is needed.
  for (const std::size_t more : {rounded, exact}) {
    if (budget_->try_take(more)) {
      held_ += more;
      return true;
    }
  }
  return false;
}

void body_reservation::release() noexcept {
  if (held_ != 0 && budget_) budget_->give_back(held_);
  held_ = 0;
}

}  // namespace sensorhub::ws_detail

// SPDX-License-Identifier: MIT
#pragma once
// The server-wide budget for buffered HTTP request bodies (issue 10): every
// request body the transport reads is held in memory until its answer is
// written, so the sum over all connections is capped, not only each one.

#include <atomic>
#include <cstddef>
#include <memory>

namespace sensorhub::ws_detail {

// Bytes of request bodies buffered across all connections, against a limit
// (0: no limit, only counted). Thread-safe: one atomic counter; a
// reservation that does not fit takes nothing.
class body_budget {
 public:
  explicit body_budget(std::size_t limit) noexcept : limit_(limit) {}

  // Takes n bytes if they fit under the limit; false (nothing taken) if not.
  bool try_take(std::size_t n) noexcept;
  void give_back(std::size_t n) noexcept { used_.fetch_sub(n, std::memory_order_relaxed); }

  std::size_t in_use() const noexcept { return used_.load(std::memory_order_relaxed); }
  std::size_t limit() const noexcept { return limit_; }

 private:
  const std::size_t limit_;
  std::atomic<std::size_t> used_{0};
};

// The part of a body_budget one request holds: taken at its head (the
// declared Content-Length) or as a chunked body grows, given back exactly
// once, on release() or destruction (the answer was written, the
// connection closed). Movable, not copyable; one thread at a time (the
// connection's). Keeps the budget alive.
class body_reservation {
 public:
  body_reservation() = default;
  explicit body_reservation(std::shared_ptr<body_budget> budget) noexcept
      : budget_(std::move(budget)) {}
  ~body_reservation() { release(); }
  body_reservation(body_reservation&& o) noexcept;
  body_reservation& operator=(body_reservation&& o) noexcept;
  body_reservation(const body_reservation&) = delete;
  body_reservation& operator=(const body_reservation&) = delete;

  // Holds at least `total` bytes: takes the difference (rounded up to
  // `step` to spare the counter). False when it does not fit: what was held
  // stays held.
  bool grow_to(std::size_t total, std::size_t step = 1) noexcept;
  // Gives everything back (idempotent).
  void release() noexcept;
  std::size_t held() const noexcept { return held_; }

 private:
  std::shared_ptr<body_budget> budget_;
  std::size_t held_ = 0;
};

}  // namespace sensorhub::ws_detail

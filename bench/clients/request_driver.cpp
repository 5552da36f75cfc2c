// SPDX-License-Identifier: MIT
#include "clients/request_driver.hpp"

#include <algorithm>
#include <utility>

#include <asio/post.hpp>
#include <asio/steady_timer.hpp>

#include "clients/http_connection.hpp"
#include "clients/http_response_parser.hpp"
#include "driver/clock.hpp"

namespace bench {

request_driver::request_driver(asio::ip::tcp::endpoint endpoint, std::size_t count,
                               std::size_t concurrency, int expected_status,
                               request_factory make_request, std::chrono::milliseconds timeout,
                               double rate, unsigned threads)
    : endpoint_(std::move(endpoint)),
      count_(count),
      concurrency_(std::max<std::size_t>(1, concurrency)),
      expected_status_(expected_status),
      make_request_(std::move(make_request)),
      timeout_(timeout),
      rate_(rate),
      threads_(std::max(1u, threads)),
      sent_(std::make_unique<std::atomic<std::int64_t>[]>(count)),
      completed_(count, 0),
      ok_(count, 0),
      entity_id_(count, 0) {
  for (std::size_t i = 0; i < concurrency_; ++i) {
    lanes_.push_back(std::make_shared<http_connection>(io_, endpoint_, timeout_));
  }
}

request_driver::~request_driver() { stop(); }

void request_driver::start() {
  if (count_ == 0) {
    done_.store(true, std::memory_order_release);
    return;
  }
  start_ns_ = now_ns();
  for (std::size_t lane = 0; lane < concurrency_; ++lane) {
    asio::post(io_, [this, lane] { launch_next(lane); });
  }
  for (unsigned t = 0; t < threads_; ++t) runners_.emplace_back([this] { io_.run(); });
}

void request_driver::join() {
  for (auto& t : runners_) t.join();
  runners_.clear();
}

void request_driver::stop() {
  io_.stop();
  join();
}

void request_driver::launch_next(std::size_t lane) {
  const std::size_t index = next_.fetch_add(1, std::memory_order_relaxed);
  if (index >= count_) return;
  if (rate_ > 0) {
    const auto due =
        start_ns_ + static_cast<std::int64_t>(static_cast<double>(index) * 1e9 / rate_);
    const std::int64_t wait = due - now_ns();
    if (wait > 0) {
      auto timer = std::make_shared<asio::steady_timer>(io_, std::chrono::nanoseconds(wait));
      timer->async_wait([this, lane, index, timer](const std::error_code&) { send(lane, index); });
      return;
    }
  }
  send(lane, index);
}

void request_driver::send(std::size_t lane, std::size_t index) {
  std::string request = make_request_(index);
  sent_[index].store(now_ns(), std::memory_order_release);
  lanes_[lane]->exchange(std::move(request), [this, lane, index](const http_response& r) {
    on_response(lane, index, r.status, r.body, r.error);
  });
}

void request_driver::on_response(std::size_t lane, std::size_t index, int status,
                                 const std::string& body, const std::string& error) {
  completed_[index] = now_ns();
  if (error.empty() && status == expected_status_) {
    ok_[index] = 1;
    entity_id_[index] = json_id_of(body);
    ok_total_.fetch_add(1, std::memory_order_release);
  } else {
    std::lock_guard<std::mutex> lock(errors_mu_);
    ++errors_;
    if (error_samples_.size() < 5) {
      error_samples_.push_back(
          error.empty() ? "HTTP " + std::to_string(status) + " " + body.substr(0, 200) : error);
    }
  }
  if (finished_.fetch_add(1, std::memory_order_acq_rel) + 1 == count_) {
    done_.store(true, std::memory_order_release);
    return;
  }
  launch_next(lane);
}

std::size_t request_driver::errors() const {
  std::lock_guard<std::mutex> lock(errors_mu_);
  return errors_;
}

std::vector<std::string> request_driver::error_samples() const {
  std::lock_guard<std::mutex> lock(errors_mu_);
  return error_samples_;
}

std::size_t request_driver::connects() const {
  std::size_t n = 0;
  for (const auto& lane : lanes_) n += lane->connects();
  return n;
}

std::int64_t request_driver::first_sent_ns() const {
  std::int64_t first = 0;
  for (std::size_t i = 0; i < count_; ++i) {
    const auto s = sent_ns(i);
    if (s != 0 && (first == 0 || s < first)) first = s;
  }
  return first;
}

std::int64_t request_driver::last_completed_ns() const {
  return completed_.empty() ? 0 : *std::max_element(completed_.begin(), completed_.end());
}

std::vector<float> request_driver::latencies_ms() const {
  std::vector<float> out;
  out.reserve(count_);
  for (std::size_t i = 0; i < count_; ++i) {
    if (ok_[i] != 0) out.push_back(static_cast<float>(completed_[i] - sent_ns(i)) / 1e6f);
  }
  return out;
}

}  // namespace bench

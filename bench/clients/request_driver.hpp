// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

namespace bench {

class http_connection;

// Drives `count` HTTP requests with `concurrency` parallel clients, each on
// its own keep-alive connection (http_connection: reused while the server
// keeps it open, reopened when it closes), and records per request the send
// stamp (taken before a connect, if one is needed), the completion stamp,
// the status and the "id" of a JSON object response.
// With a rate (requests/s), request i is not sent before start + i/rate
// (open loop, still at most `concurrency` in flight); without, each client
// sends its next request when the previous one was answered (closed loop).
// The driver runs on its own io_context with `threads` threads.
// Thread-safety: start() once, then join() or stop() from the same thread.
// sent_ns(), ok_count(), errors() and done() may be read from any thread;
// the other accessors only after join()/stop() returned.
class request_driver {
 public:
  using request_factory = std::function<std::string(std::size_t index)>;

  request_driver(asio::ip::tcp::endpoint endpoint, std::size_t count, std::size_t concurrency,
                 int expected_status, request_factory make_request,
                 std::chrono::milliseconds timeout, double rate = 0.0, unsigned threads = 1);
  ~request_driver();
  request_driver(const request_driver&) = delete;
  request_driver& operator=(const request_driver&) = delete;

  void start();
  void join();  // until every request finished
  void stop();  // abandon what is in flight
  bool done() const { return done_.load(std::memory_order_acquire); }

  // 0 until request `index` was sent.
  std::int64_t sent_ns(std::size_t index) const {
    return sent_[index].load(std::memory_order_acquire);
  }
  std::int64_t completed_ns(std::size_t index) const { return completed_[index]; }
  bool ok(std::size_t index) const { return ok_[index] != 0; }
  std::int64_t entity_id(std::size_t index) const { return entity_id_[index]; }
  std::size_t count() const { return count_; }
  std::size_t ok_count() const { return ok_total_.load(std::memory_order_acquire); }  // any thread
  std::size_t errors() const;
  std::vector<std::string> error_samples() const;
  std::size_t connects() const;  // TCP connections opened by all clients
  std::int64_t first_sent_ns() const;
  std::int64_t last_completed_ns() const;
  // Latencies (ms) of the successful requests, send to response.
  std::vector<float> latencies_ms() const;

 private:
  void launch_next(std::size_t lane);
  void send(std::size_t lane, std::size_t index);
  void on_response(std::size_t lane, std::size_t index, int status, const std::string& body,
                   const std::string& error);

  asio::io_context io_;
  asio::ip::tcp::endpoint endpoint_;
  std::size_t count_;
  std::size_t concurrency_;
  int expected_status_;
  request_factory make_request_;
  std::chrono::milliseconds timeout_;
  double rate_;
  unsigned threads_;
  std::int64_t start_ns_ = 0;
  std::vector<std::shared_ptr<http_connection>> lanes_;
  std::vector<std::thread> runners_;
  std::unique_ptr<std::atomic<std::int64_t>[]> sent_;
  std::vector<std::int64_t> completed_;
  std::vector<std::uint8_t> ok_;
  std::vector<std::int64_t> entity_id_;
  std::atomic<std::size_t> next_{0};
  std::atomic<std::size_t> finished_{0};
  std::atomic<std::size_t> ok_total_{0};
  mutable std::mutex errors_mu_;
  std::size_t errors_ = 0;
  std::vector<std::string> error_samples_;
  std::atomic<bool> done_{false};
};

}  // namespace bench

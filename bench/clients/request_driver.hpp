#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

namespace bench {

// Drives `count` HTTP requests with `concurrency` parallel clients, each
// request on a fresh connection, and records per request the send stamp
// (taken before connect), the completion stamp, the status and the "id" of
// a JSON object response.
// Thread-safety: start() once; the driver then runs on the io_context's
// (single) thread. sent_ns() and done() may be read from any thread; the
// other accessors only after done() is true.
// With a rate (requests/s), request i is not sent before start + i/rate
// (open loop, still at most `concurrency` in flight); without, each client
// sends its next request when the previous one was answered (closed loop).
class request_driver {
 public:
  using request_factory = std::function<std::string(std::size_t index)>;

  request_driver(asio::io_context& io, asio::ip::tcp::endpoint endpoint, std::size_t count,
                 std::size_t concurrency, int expected_status, request_factory make_request,
                 std::chrono::milliseconds timeout, double rate = 0.0);

  void start();
  bool done() const { return done_.load(std::memory_order_acquire); }

  // 0 until request `index` was sent.
  std::int64_t sent_ns(std::size_t index) const {
    return sent_[index].load(std::memory_order_acquire);
  }
  std::int64_t completed_ns(std::size_t index) const { return completed_[index]; }
  bool ok(std::size_t index) const { return ok_[index] != 0; }
  std::int64_t entity_id(std::size_t index) const { return entity_id_[index]; }
  std::size_t count() const { return count_; }
  std::size_t ok_count() const;
  std::size_t errors() const { return errors_; }
  const std::vector<std::string>& error_samples() const { return error_samples_; }
  std::int64_t first_sent_ns() const;
  std::int64_t last_completed_ns() const;
  // Latencies (ms) of the successful requests, send to response.
  std::vector<float> latencies_ms() const;

 private:
  void launch_next();
  void send(std::size_t index);
  void on_response(std::size_t index, int status, const std::string& body,
                   const std::string& error);

  asio::io_context& io_;
  asio::ip::tcp::endpoint endpoint_;
  std::size_t count_;
  std::size_t concurrency_;
  int expected_status_;
  request_factory make_request_;
  std::chrono::milliseconds timeout_;
  double rate_;
  std::int64_t start_ns_ = 0;
  std::unique_ptr<std::atomic<std::int64_t>[]> sent_;
  std::vector<std::int64_t> completed_;
  std::vector<std::uint8_t> ok_;
  std::vector<std::int64_t> entity_id_;
  std::size_t next_ = 0;
  std::size_t finished_ = 0;
  std::size_t errors_ = 0;
  std::vector<std::string> error_samples_;
  std::atomic<bool> done_{false};
};

}  // namespace bench

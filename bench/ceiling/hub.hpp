// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asio/io_context.hpp>

#include "ceiling/messages.hpp"

namespace ceiling {

class connection;
using frame_ptr = std::shared_ptr<const std::string>;

// One network thread: its own io_context, the WebSockets it owns and an
// inbox of frames to fan out. The inbox is thread-safe; everything else is
// touched on the worker's thread only.
class worker {
 public:
  worker();
  asio::io_context& io() { return io_; }

  void add(const std::shared_ptr<connection>& c);  // worker thread
  void remove(connection& c);                      // worker thread
  // Any thread: queues a frame; one drain pass per batch of frames.
  void enqueue(frame_ptr frame);
  // Messages handed to sockets by this worker so far.
  std::uint64_t messages_sent() const { return sent_.load(std::memory_order_relaxed); }

 private:
  void drain();

  asio::io_context io_;
  std::vector<std::shared_ptr<connection>> sockets_;
  std::mutex inbox_mu_;
  std::vector<frame_ptr> inbox_;
  std::vector<frame_ptr> batch_;
  bool drain_posted_ = false;
  std::atomic<std::uint64_t> sent_{0};
};

// The whole server state: the workers, the id and seq counters and the
// publisher. publish() and the counters are thread-safe.
class hub {
 public:
  explicit hub(unsigned threads);

  std::vector<std::unique_ptr<worker>>& workers() { return workers_; }
  worker& next_worker();  // round robin, acceptor thread only

  std::int64_t next_sensor_id() { return ++last_id_; }
  std::int64_t last_sensor_id() const { return last_id_.load(); }
  std::uint64_t next_client_id() { return ++last_client_; }
  void connection_opened() { ++connections_; }
  void connection_closed() { --connections_; }

  // Assigns the next seq, frames make_event(seq) once and hands the frame to
  // every worker, all under one lock so that every socket sees seq ascending.
  void publish(const std::function<std::string(std::int64_t seq)>& make_event);

  stats_snapshot stats() const;

 private:
  std::vector<std::unique_ptr<worker>> workers_;
  std::size_t next_ = 0;
  std::mutex publish_mu_;
  std::int64_t last_seq_ = 0;  // under publish_mu_
  std::atomic<std::int64_t> last_seq_seen_{0};
  std::atomic<std::int64_t> last_id_{0};
  std::atomic<std::uint64_t> last_client_{0};
  std::atomic<std::uint64_t> connections_{0};
  std::atomic<std::uint64_t> events_{0};
  std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace ceiling

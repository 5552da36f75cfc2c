// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "clients/ws_message.hpp"

namespace bench {

struct pool_config {
  std::string uri;                       // ws://HOST:PORT/api/v1/ws?channel=...
  std::vector<std::string> spread_uris;  // non-empty: subscriber i uses [i % size] instead of uri
  std::string scoped_uri;                // the same with ?token= of a scoped token
  double scoped_share = 0;  // this share of the subscribers, spread evenly, use scoped_uri
  std::size_t count = 1;    // subscribers
  std::size_t batch = 100;  // opened per batch (next batch after this one settled)
  unsigned threads = 1;     // client threads, each with its own epoll set
  std::chrono::milliseconds batch_timeout{60000};
  std::string marker_prefix;      // see ws_scanner
  unsigned source_addresses = 1;  // >1: subscriber i binds 127.0.0.(1 + i % N) before connect
};

// A WebSocket close the bench did not ask for.
struct disconnect_note {
  std::size_t subscriber = 0;
  int code = 0;
  std::string reason;
};

// N lean WebSocket client connections spread over T threads, each running
// its own epoll set (subscriber i belongs to thread i % T): a minimal
// handshake (fixed key, 101 and Sec-WebSocket-Accept checked), a frame
// reader over one read buffer per thread, and ws_scanner instead of a JSON
// parse per event. Per subscriber: a socket, a phase byte and a leftover
// buffer for a partial frame (empty between frames). Pings are answered.
// A subscriber counts as established once its connection_established
// message arrived. The handler is called for every text message, with the
// receive stamp of the read that brought it; calls for one subscriber never
// overlap, calls for different subscribers may when threads > 1.
// Thread-safety: connect_all, shutdown and the accessors from one control
// thread; the handler runs on the io threads.
class subscriber_pool {
 public:
  using message_handler =
      std::function<void(std::size_t subscriber, const ws_message& message, std::int64_t recv_ns)>;

  subscriber_pool(pool_config config, message_handler handler);
  ~subscriber_pool();
  subscriber_pool(const subscriber_pool&) = delete;
  subscriber_pool& operator=(const subscriber_pool&) = delete;

  // Opens all subscribers batch by batch; returns how many are established.
  std::size_t connect_all();
  std::vector<bool> established_mask() const;
  std::size_t established() const;
  std::size_t failed() const;
  std::vector<std::string> failure_samples() const;
  std::vector<disconnect_note> disconnects() const;
  // Closes every connection (1000), waits up to 10 s, stops the threads.
  void shutdown();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace bench

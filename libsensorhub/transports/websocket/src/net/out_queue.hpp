// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace sensorhub::ws_detail {

// The bytes waiting to leave one socket, in order: shared immutable buffers
// (an event's frame is made once and pushed to many queues) and how much of
// the first one is already sent. flush() hands the kernel as much as it
// takes, up to 1024 buffers per sendmsg, so every frame queued during one
// pass of a network thread leaves in one system call ("corked"). Never
// blocks. Not thread-safe: one connection's thread owns it.
class out_queue {
 public:
  using bytes = std::shared_ptr<const std::string>;

  enum class flush_result {
    done,         // everything was sent
    would_block,  // the socket buffer is full; wait until writable
    failed,       // the peer is gone (or another socket error)
  };

  void push(bytes b);
  // Writes what the kernel takes now (MSG_NOSIGNAL, non-blocking socket).
  flush_result flush(int fd);
  // Copies up to max queued bytes into dst and counts them as sent (a TLS
  // layer encrypts them). Returns how many.
  std::size_t take(char* dst, std::size_t max);

  // Bytes queued and not yet handed to the kernel.
  std::size_t pending_bytes() const noexcept { return bytes_; }
  bool empty() const noexcept { return bytes_ == 0; }
  // Drops every buffer not started yet; a buffer partly sent stays, so the
  // stream the peer reads remains whole frames. Returns the bytes dropped.
  std::size_t drop_unstarted();
  void clear() noexcept;

 private:
  void consume(std::size_t sent);
  void compact();

  std::vector<bytes> bufs_;
  std::size_t head_ = 0;    // first unsent buffer
  std::size_t offset_ = 0;  // bytes of bufs_[head_] already sent
  std::size_t bytes_ = 0;   // unsent bytes in total
};

}  // namespace sensorhub::ws_detail

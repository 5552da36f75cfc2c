// SPDX-License-Identifier: MIT
#include "net/out_queue.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <utility>

namespace sensorhub::ws_detail {
namespace {

constexpr std::size_t max_iov = 1024;  // IOV_MAX on Linux
// A queue that grew during a burst gives its memory back once drained.
constexpr std::size_t kept_capacity = 16;

}  // namespace

void out_queue::push(bytes b) {
  if (!b || b->empty()) return;
  bytes_ += b->size();
  bufs_.push_back(std::move(b));
}

out_queue::flush_result out_queue::flush(int fd) {
  iovec iov[max_iov];
  while (bytes_ != 0) {
    std::size_t n = 0;
    for (std::size_t i = head_; i < bufs_.size() && n < max_iov; ++i, ++n) {
      const std::string& s = *bufs_[i];
      const std::size_t skip = i == head_ ? offset_ : 0;
      iov[n].iov_base = const_cast<char*>(s.data() + skip);
      iov[n].iov_len = s.size() - skip;
    }
    msghdr msg{};
    msg.msg_iov = iov;
    msg.msg_iovlen = n;
    const ssize_t sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
    if (sent < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return flush_result::would_block;
      return flush_result::failed;
    }
    consume(static_cast<std::size_t>(sent));
  }
  return flush_result::done;
}

std::size_t out_queue::take(char* dst, std::size_t max) {
  std::size_t n = 0;
  for (std::size_t i = head_; i < bufs_.size() && n < max; ++i) {
    const std::string& s = *bufs_[i];
    const std::size_t skip = i == head_ ? offset_ : 0;
    const std::size_t k = std::min(s.size() - skip, max - n);
    std::copy_n(s.data() + skip, k, dst + n);
    n += k;
  }
  consume(n);
  return n;
}

void out_queue::consume(std::size_t sent) {
  bytes_ -= sent;
  while (sent != 0) {
    const std::size_t left = bufs_[head_]->size() - offset_;
    if (sent < left) {
      offset_ += sent;
      return;
    }
    sent -= left;
    bufs_[head_].reset();
    ++head_;
    offset_ = 0;
  }
  compact();
}

void out_queue::compact() {
  if (head_ == bufs_.size()) {
    bufs_.clear();
    head_ = 0;
    if (bufs_.capacity() > kept_capacity) bufs_.shrink_to_fit();
  } else if (head_ > 64 && head_ * 2 > bufs_.size()) {
    bufs_.erase(bufs_.begin(), bufs_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
}

std::size_t out_queue::drop_unstarted() {
  const std::size_t first = head_ + (offset_ != 0 ? 1 : 0);
  std::size_t dropped = 0;
  for (std::size_t i = first; i < bufs_.size(); ++i) dropped += bufs_[i]->size();
  bufs_.erase(bufs_.begin() + static_cast<std::ptrdiff_t>(std::min(first, bufs_.size())),
              bufs_.end());
  bytes_ -= dropped;
  compact();
  return dropped;
}

void out_queue::clear() noexcept {
  bufs_.clear();
  bufs_.shrink_to_fit();
  head_ = 0;
  offset_ = 0;
  bytes_ = 0;
}

}  // namespace sensorhub::ws_detail

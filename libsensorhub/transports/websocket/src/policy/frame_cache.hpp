// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>

namespace sensorhub::ws_detail {

// Events framed once, shared by every connection: an event's JSON text is
// framed on its first send and the frame is reused for every other
// connection that sends the same event (same text object, by address).
// At most `slots` frames are kept (the oldest goes first); a sweep that
// finds no use since the previous one drops them all, so an idle transport
// holds no frames. Frame is a nullable handle (websocketpp's prepared
// message in the transport). Not thread-safe: the network thread owns it.
template <class Frame>
class frame_cache {
 public:
  using text_ptr = std::shared_ptr<const std::string>;

  explicit frame_cache(std::size_t slots = 1024) : slots_(slots == 0 ? 1 : slots) {}

  // The frame of this text: cached, or make(text) when not yet framed (a
  // null result is returned and not cached). Null text: a null frame.
  template <class Make>
  Frame get(const text_ptr& text, Make&& make) {
    if (!text) return Frame{};
    ++uses_since_sweep_;
    const auto it = index_.find(text.get());
    if (it != index_.end()) return it->second;
    Frame f = std::forward<Make>(make)(*text);
    if (!f) return Frame{};
    if (entries_.size() >= slots_) {
      index_.erase(entries_.front().text.get());
      entries_.pop_front();
    }
    entries_.push_back({text, f});
    index_.emplace(text.get(), f);
    return f;
  }

  // Called periodically: drops everything if nothing was framed or reused
  // since the previous sweep.
  void sweep() {
    if (uses_since_sweep_ == 0) clear();
    uses_since_sweep_ = 0;
  }

  void clear() {
    entries_.clear();
    index_.clear();
  }

  std::size_t size() const noexcept { return entries_.size(); }

 private:
  struct entry {
    text_ptr text;  // keeps the key's address unique while cached
    Frame frame;
  };

  std::size_t slots_;
  std::deque<entry> entries_;
  std::unordered_map<const std::string*, Frame> index_;
  std::size_t uses_since_sweep_ = 0;
};

}  // namespace sensorhub::ws_detail

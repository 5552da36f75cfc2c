// SPDX-License-Identifier: MIT
#include "ceiling/hub.hpp"

#include <asio/post.hpp>

#include "ceiling/connection.hpp"
#include "ceiling/websocket.hpp"

namespace ceiling {

worker::worker() : io_(1) {}

void worker::add(const std::shared_ptr<connection>& c) {
  c->slot = sockets_.size();
  sockets_.push_back(c);
}

void worker::remove(connection& c) {
  const std::size_t i = c.slot;
  if (i >= sockets_.size() || sockets_[i].get() != &c) return;
  std::swap(sockets_[i], sockets_.back());
  sockets_[i]->slot = i;
  sockets_.pop_back();
}

void worker::enqueue(frame_ptr frame) {
  std::lock_guard<std::mutex> lock(inbox_mu_);
  inbox_.push_back(std::move(frame));
  if (!drain_posted_) {
    drain_posted_ = true;
    asio::post(io_, [this] { drain(); });
  }
}

// One pass: every frame queued since the last pass goes to every socket in
// one gather write per socket.
void worker::drain() {
  {
    std::lock_guard<std::mutex> lock(inbox_mu_);
    batch_.swap(inbox_);
    drain_posted_ = false;
  }
  for (const auto& c : sockets_) c->send(batch_);
  sent_.fetch_add(sockets_.size() * batch_.size(), std::memory_order_relaxed);
  batch_.clear();
}

hub::hub(unsigned threads) {
  for (unsigned i = 0; i < threads; ++i) workers_.push_back(std::make_unique<worker>());
}

worker& hub::next_worker() {
  worker& w = *workers_[next_];
  next_ = (next_ + 1) % workers_.size();
  return w;
}

void hub::publish(const std::function<std::string(std::int64_t seq)>& make_event) {
  std::lock_guard<std::mutex> lock(publish_mu_);
  const std::int64_t seq = ++last_seq_;
  const auto frame = std::make_shared<const std::string>(server_frame(0x1, make_event(seq)));
  for (auto& w : workers_) w->enqueue(frame);
  last_seq_seen_.store(seq);
  ++events_;
}

stats_snapshot hub::stats() const {
  stats_snapshot s;
  s.connections = connections_.load();
  for (const auto& w : workers_) s.messages_sent += w->messages_sent();
  s.events_published = events_.load();
  s.last_seq = last_seq_seen_.load();
  s.uptime_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  return s;
}

}  // namespace ceiling

// SPDX-License-Identifier: MIT
// Streamed HTTP answers (http_response::stream): the head without a length,
// then the body as the handler writes it, chunked on HTTP/1.1, until end()
// or until the client goes away (on_close). Server-Sent Events ride on it.
#include <atomic>
#include <mutex>
#include <utility>

#include "http/http1_writer.hpp"
#include "sensorhub/session.hpp"
#include "net/conn.hpp"
#include "net/conn_state.hpp"
#include "net/server.hpp"
#include "net/shard.hpp"

namespace sensorhub::ws_detail {

// The handle a stream's owner writes with; every call is carried to the
// connection's thread through the shard's batched passes, in order.
class conn_stream final : public http_stream, public std::enable_shared_from_this<conn_stream> {
 public:
  conn_stream(std::weak_ptr<conn> c, std::weak_ptr<shard> s)
      : conn_(std::move(c)), shard_(std::move(s)) {}

  bool write(std::string data) override {
    if (done_.load()) return false;
    auto s = shard_.lock();
    if (!s) return false;
    in_flight_.fetch_add(data.size());
    s->post([w = conn_, self = shared_from_this(), data = std::move(data)] {
      self->in_flight_.fetch_sub(data.size());
      if (auto c = w.lock()) c->stream_write(data);
    });
    return true;
  }
  void end() override {
    if (done_.exchange(true)) return;
    if (auto s = shard_.lock()) {
      s->post([w = conn_] {
        if (auto c = w.lock()) c->stream_end();
      });
    }
  }
  void cut(std::string last) override {
    if (done_.exchange(true)) return;
    if (auto s = shard_.lock()) {
      s->post([w = conn_, last = std::move(last)] {
        if (auto c = w.lock()) c->stream_cut(last);
      });
    }
  }
  std::size_t buffered_bytes() const override { return in_flight_.load() + unsent_.load(); }
  void on_close(std::function<void()> fn) override {
    std::lock_guard<std::mutex> lk(m_);
    on_close_ = std::move(fn);
  }
  void on_backlog(std::function<void(std::size_t)> fn) override {
    std::lock_guard<std::mutex> lk(m_);
    on_backlog_ = std::make_shared<std::function<void(std::size_t)>>(std::move(fn));
  }

  // Network thread. A drop of the unsent count (the kernel took bytes) is
  // told to the owner.
  void set_unsent(std::size_t n) noexcept {
    const std::size_t before = unsent_.exchange(n);
    if (n >= before) return;
    std::shared_ptr<std::function<void(std::size_t)>> fn;
    {
      std::lock_guard<std::mutex> lk(m_);
      fn = on_backlog_;
    }
    if (!fn || !*fn) return;
    try {
      (*fn)(buffered_bytes());
    } catch (...) {  // the owner's business
    }
  }
  void closed() noexcept {
    done_.store(true);
    std::function<void()> fn;
    {
      std::lock_guard<std::mutex> lk(m_);
      fn.swap(on_close_);
      on_backlog_.reset();
    }
    if (!fn) return;
    try {
      fn();
    } catch (...) {  // the owner's business; the connection closes anyway
    }
  }

 private:
  std::weak_ptr<conn> conn_;
  std::weak_ptr<shard> shard_;
  std::atomic<bool> done_{false};
  std::atomic<std::size_t> in_flight_{0};  // written, not yet queued on the conn
  std::atomic<std::size_t> unsent_{0};     // queued on the conn, not yet sent
  std::mutex m_;
  std::function<void()> on_close_;
  std::shared_ptr<std::function<void(std::size_t)>> on_backlog_;
};

void conn::start_stream(const http_response& r, bool keep_alive) {
  queue(
      std::make_shared<std::string>(write_http1_stream_head(r, http_->version_minor, keep_alive)));
  // HTTP/1.0 has no chunks: its stream ends with the connection.
  http_->keep_alive = keep_alive && http_->version_minor == 1;
  if (http_->head_only) {
    if (!http_->keep_alive) return drain_then_close();
    return resume_http();
  }
  ph_ = phase::http_streaming;
  auto handle = std::make_shared<conn_stream>(weak_from_this(), sh_.weak_from_this());
  http_->stream = handle;
  arm_read();  // to notice the client leaving
  try {
    r.stream(handle);
  } catch (const std::exception& e) {
    owner().log(log_level::error, std::string("stream start threw: ") + e.what());
    handle->end();
  }
}

void conn::stream_write(const std::string& data) {
  if (ph_ != phase::http_streaming || data.empty()) return;
  if (http_->version_minor == 1) {
    queue(std::make_shared<std::string>(http1_chunk(data)));
  } else {
    queue(std::make_shared<std::string>(data));
  }
  http_->stream->set_unsent(unsent_bytes());
}

void conn::stream_end() {
  if (ph_ != phase::http_streaming) return;
  http_->stream.reset();
  if (!http_->keep_alive) return drain_then_close();
  queue(std::make_shared<std::string>(http1_last_chunk()));
  ph_ = phase::http_busy;  // resume_http takes it from here
  resume_http();
}

// A slow consumer's end: what was never handed to the kernel is dropped
// (whole chunks: one partly sent stays), `last` follows what was sent.
void conn::stream_cut(const std::string& last) {
  if (ph_ != phase::http_streaming) return;
  out_.drop_unstarted();
  stream_write(last);
  stream_end();
}

// Bytes from the client while its answer streams: kept as the next
// (pipelined) request, up to the head limit; more closes the connection.
void conn::stream_input(const char* data, std::size_t len) {
  if (http_->stash.size() + len > owner().options().max_header_bytes) return close_socket();
  http_->stash.append(data, len);
}

// The unsent bytes, told to whoever applies a slow-consumer rule: the
// WebSocket's session or the stream's owner.
void conn::note_backlog() {
  if (ws_ && ws_->session) ws_->session->set_transport_backlog(unsent_bytes());
  if (http_ && http_->stream) http_->stream->set_unsent(unsent_bytes());
}

void conn::end_stream_on_close() noexcept {
  if (!http_ || !http_->stream) return;
  auto s = std::move(http_->stream);
  s->closed();
}

}  // namespace sensorhub::ws_detail

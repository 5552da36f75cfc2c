// SPDX-License-Identifier: MIT
#include "sensorhub/transports/loopback.hpp"

#include <condition_variable>
#include <deque>
#include <mutex>
#include <utility>

#include "sensorhub/error.hpp"
#include "sensorhub/transports/serial_executor.hpp"
#include "sensorhub/transports/session_registry.hpp"

namespace sensorhub {

namespace {

// Server -> client messages of one connection, plus its close state.
struct inbox {
  std::mutex m;
  std::condition_variable cv;
  std::deque<std::shared_ptr<const std::string>> q;
  std::size_t bytes = 0;
  bool closed = false;
  int code = 0;
  std::string reason;

  // False when it was already closed.
  bool close(int c, std::string_view r) {
    {
      std::lock_guard<std::mutex> lk(m);
      if (closed) return false;
      closed = true;
      code = c;
      reason = std::string(r);
    }
    cv.notify_all();
    return true;
  }
};

// The server side of one connection, as its session sees it: messages go to
// the inbox, work goes to the transport's strand.
class server_link final : public sensorhub::connection {
 public:
  server_link(std::shared_ptr<serial_executor> strand, std::shared_ptr<inbox> box)
      : strand_(std::move(strand)), box_(std::move(box)) {}

  void send_text(std::shared_ptr<const std::string> text) override {
    if (!text) return;
    {
      std::lock_guard<std::mutex> lk(box_->m);
      if (box_->closed) return;
      box_->bytes += text->size();
      box_->q.push_back(std::move(text));
    }
    box_->cv.notify_all();
  }
  void close(int code, std::string_view reason) override { box_->close(code, reason); }
  void post(std::function<void()> fn) override { strand_->post(std::move(fn)); }
  std::size_t buffered_bytes() const override {
    std::lock_guard<std::mutex> lk(box_->m);
    return box_->bytes;
  }

 private:
  std::shared_ptr<serial_executor> strand_;
  std::shared_ptr<inbox> box_;
};

class client_connection final : public loopback_transport::connection {
 public:
  client_connection(std::shared_ptr<session> s, std::shared_ptr<inbox> box,
                    std::shared_ptr<serial_executor> strand)
      : s_(std::move(s)), box_(std::move(box)), strand_(std::move(strand)) {}
  ~client_connection() override { close(); }

  std::optional<std::string> receive(std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lk(box_->m);
    box_->cv.wait_for(lk, timeout, [this] { return !box_->q.empty() || box_->closed; });
    if (box_->q.empty()) return std::nullopt;
    auto msg = std::move(box_->q.front());
    box_->q.pop_front();
    box_->bytes -= msg->size();
    if (s_) s_->set_transport_backlog(box_->bytes);
    return std::string(*msg);
  }

  void send(std::string_view text) override {
    if (s_) strand_->post([s = s_, t = std::string(text)] { s->on_client_text(t); });
  }
  void send_binary(std::string_view) override {
    if (s_) strand_->post([s = s_] { s->on_client_binary(); });
  }
  void close() override {
    box_->close(1000, "");
    if (s_) s_->stop();  // safe from any thread
  }
  int close_code() const override {
    std::lock_guard<std::mutex> lk(box_->m);
    return box_->code;
  }
  std::string close_reason() const override {
    std::lock_guard<std::mutex> lk(box_->m);
    return box_->reason;
  }

 private:
  std::shared_ptr<session> s_;
  std::shared_ptr<inbox> box_;
  std::shared_ptr<serial_executor> strand_;
};

}  // namespace

struct loopback_transport::impl {
  std::mutex m;
  std::shared_ptr<serial_executor> strand;  // every session's thread; set by start()
  session_registry sessions;
};

loopback_transport::loopback_transport() : impl_(std::make_shared<impl>()) {}

loopback_transport::~loopback_transport() { stop(); }

void loopback_transport::start(const transport_context& ctx) {
  std::lock_guard<std::mutex> lk(impl_->m);
  if (impl_->strand) throw error(errc::internal, "loopback transport already started");
  impl_->strand = std::make_shared<serial_executor>(ctx.log ? ctx.log : stderr_log_sink());
  impl_->sessions.start(ctx);
}

void loopback_transport::stop() noexcept {
  std::shared_ptr<serial_executor> strand;
  {
    std::lock_guard<std::mutex> lk(impl_->m);
    strand = impl_->strand;
  }
  if (!strand) return;
  impl_->sessions.stop();  // posts every close to the strand ...
  strand->stop();          // ... which runs them, then ends
}

std::shared_ptr<loopback_transport::connection> loopback_transport::connect(
    const session_options& opts) {
  std::shared_ptr<serial_executor> strand;
  {
    std::lock_guard<std::mutex> lk(impl_->m);
    strand = impl_->strand;
  }
  if (!strand) throw error(errc::unavailable, "loopback transport not started");
  auto box = std::make_shared<inbox>();
  auto s = impl_->sessions.open(std::make_shared<server_link>(strand, box), opts);
  if (!s) box->close(1001, "going away");  // stopping (no-op when already closed)
  return std::make_shared<client_connection>(std::move(s), box, strand);
}

}  // namespace sensorhub

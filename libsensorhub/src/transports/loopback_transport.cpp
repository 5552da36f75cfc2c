#include "sensorhub/transports/loopback.hpp"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "sensorhub/error.hpp"

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
};

// The strand: one thread running posted functions in FIFO order.
class strand {
 public:
  void start() {
    std::lock_guard<std::mutex> lk(m_);
    worker_ = std::thread([this] { run(); });
    worker_id_ = worker_.get_id();
  }

  bool on_strand() const {
    std::lock_guard<std::mutex> lk(m_);
    return worker_id_ == std::this_thread::get_id();
  }

  // Drops fn (and returns false) once the strand has stopped.
  bool post(std::function<void()> fn) {
    {
      std::lock_guard<std::mutex> lk(m_);
      if (done_) return false;
      fifo_.push_back(std::move(fn));
    }
    cv_.notify_one();
    return true;
  }

  // Runs what is queued (and what that posts), then stops the thread.
  void stop_and_join() {
    {
      std::lock_guard<std::mutex> lk(m_);
      stopping_ = true;
    }
    cv_.notify_one();
    if (!worker_.joinable()) {
      std::lock_guard<std::mutex> lk(m_);
      done_ = true;
      fifo_.clear();
      return;
    }
    if (worker_.get_id() == std::this_thread::get_id()) {
      worker_.detach();  // stop() from a posted function: the loop ends by itself
    } else {
      worker_.join();
    }
  }

 private:
  void run() {
    std::unique_lock<std::mutex> lk(m_);
    for (;;) {
      cv_.wait(lk, [this] { return !fifo_.empty() || stopping_; });
      if (fifo_.empty()) break;
      auto fn = std::move(fifo_.front());
      fifo_.pop_front();
      lk.unlock();
      try {
        fn();
      } catch (...) {  // a session's failure must not end the strand
      }
      fn = nullptr;
      lk.lock();
    }
    done_ = true;
  }

  mutable std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> fifo_;
  std::thread::id worker_id_;
  bool stopping_ = false;
  bool done_ = false;
  std::thread worker_;
};

// The server side of one connection: the protocol session with its four
// hooks pointed at the strand and the inbox.
class server_session final : public session {
 public:
  server_session(const transport_context& ctx, std::size_t limit, std::shared_ptr<strand> str,
                 std::shared_ptr<inbox> box)
      : session(ctx, limit), str_(std::move(str)), box_(std::move(box)) {}

  // Called by the client under box_->m whenever the inbox shrank.
  void inbox_shrank(std::size_t bytes) noexcept { set_transport_backlog(bytes); }

  void close(int code, std::string_view reason) override {
    stop();  // unsubscribed before the client can observe the close
    {
      std::lock_guard<std::mutex> lk(box_->m);
      if (!box_->closed) {
        box_->closed = true;
        box_->code = code;
        box_->reason = std::string(reason);
      }
    }
    box_->cv.notify_all();
  }

  void post(std::function<void()> fn) override { str_->post(std::move(fn)); }

 protected:
  void send_text(std::shared_ptr<const std::string> text) override {
    if (!text) return;
    {
      std::lock_guard<std::mutex> lk(box_->m);
      if (box_->closed) return;
      box_->bytes += text->size();
      box_->q.push_back(std::move(text));
      set_transport_backlog(box_->bytes);
    }
    box_->cv.notify_all();
  }

 private:
  std::shared_ptr<strand> str_;
  std::shared_ptr<inbox> box_;
};

class client_connection final : public loopback_transport::connection {
 public:
  client_connection(std::shared_ptr<server_session> s, std::shared_ptr<inbox> box)
      : s_(std::move(s)), box_(std::move(box)) {}
  ~client_connection() override { close(); }

  std::optional<std::string> receive(std::chrono::milliseconds timeout) override {
    std::unique_lock<std::mutex> lk(box_->m);
    box_->cv.wait_for(lk, timeout, [this] { return !box_->q.empty() || box_->closed; });
    if (box_->q.empty()) return std::nullopt;
    auto msg = std::move(box_->q.front());
    box_->q.pop_front();
    box_->bytes -= msg->size();
    if (s_) s_->inbox_shrank(box_->bytes);
    return std::string(*msg);
  }

  void send(std::string_view text) override {
    if (!s_) return;
    s_->post([s = s_, t = std::string(text)] { s->on_client_text(t); });
  }

  void send_binary(std::string_view) override {
    if (!s_) return;
    s_->post([s = s_] { s->on_client_binary(); });
  }

  void close() override {
    {
      std::lock_guard<std::mutex> lk(box_->m);
      if (!box_->closed) {
        box_->closed = true;
        box_->code = 1000;
        box_->reason.clear();
      }
    }
    box_->cv.notify_all();
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
  std::shared_ptr<server_session> s_;
  std::shared_ptr<inbox> box_;
};

}  // namespace

struct loopback_transport::impl {
  std::mutex m;
  bool started = false;
  bool stopping = false;
  transport_context ctx;
  std::vector<std::weak_ptr<server_session>> sessions;
  std::shared_ptr<strand> str = std::make_shared<strand>();
};

loopback_transport::loopback_transport() : impl_(std::make_shared<impl>()) {}

loopback_transport::~loopback_transport() { stop(); }

void loopback_transport::start(const transport_context& ctx) {
  std::lock_guard<std::mutex> lk(impl_->m);
  if (impl_->started) throw error(errc::internal, "loopback transport already started");
  impl_->ctx = ctx;
  impl_->started = true;
  impl_->str->start();
}

void loopback_transport::stop() noexcept {
  std::vector<std::shared_ptr<server_session>> live;
  {
    std::lock_guard<std::mutex> lk(impl_->m);
    if (!impl_->started || impl_->stopping) return;
    impl_->stopping = true;
    for (auto& w : impl_->sessions) {
      if (auto s = w.lock()) live.push_back(std::move(s));
    }
    impl_->sessions.clear();
  }
  try {
    for (auto& s : live) {
      impl_->str->post([s] { s->close(1001, "going away"); });
    }
  } catch (...) {  // out of memory: the direct close below still runs
  }
  impl_->str->stop_and_join();
  for (auto& s : live) s->close(1001, "going away");  // idempotent
}

std::shared_ptr<loopback_transport::connection> loopback_transport::connect(
    const session_options& opts) {
  auto box = std::make_shared<inbox>();
  std::unique_lock<std::mutex> lk(impl_->m);
  if (!impl_->started) throw error(errc::unavailable, "loopback transport not started");
  if (impl_->stopping) {
    box->closed = true;
    box->code = 1001;
    box->reason = "going away";
    return std::make_shared<client_connection>(nullptr, box);
  }
  auto s = std::make_shared<server_session>(impl_->ctx, opts.backlog_limit, impl_->str, box);
  auto& v = impl_->sessions;
  v.erase(std::remove_if(v.begin(), v.end(), [](const auto& w) { return w.expired(); }), v.end());
  v.push_back(s);
  auto client = std::make_shared<client_connection>(s, box);
  if (impl_->str->on_strand()) {
    s->start(opts);
    return client;
  }
  // Start on the strand and wait: once connect() returns, the session is
  // subscribed and sees every event published afterwards.
  auto started = std::make_shared<std::promise<void>>();
  auto done = started->get_future();
  const bool posted = impl_->str->post([s, opts, started] {
    try {
      s->start(opts);
    } catch (...) {  // the session stays unstarted; the close below tells
      s->close(1011, "internal error");
    }
    started->set_value();
  });
  lk.unlock();
  if (posted) {
    done.wait();
  } else {
    s->close(1001, "going away");  // the strand is gone: stopping
  }
  return client;
}

}  // namespace sensorhub

// sensorhub::client on websocketpp's Asio client (ws://). One network thread
// runs the io_context; every handler below runs on it, so the connection
// bookkeeping (hdl_, seq_, backoff_, timers) needs no lock. What other threads
// read (state, last seq, stop error) sits behind mu_.

#include "sensorhub/client/client.hpp"

#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>

#include "backoff.hpp"
#include "event_queue.hpp"
#include "message.hpp"
#include "seq_tracker.hpp"
#include "url.hpp"

namespace sensorhub::client {

namespace {

using endpoint = websocketpp::client<websocketpp::config::asio_client>;
using websocketpp::connection_hdl;
using clock = std::chrono::steady_clock;

bool same(const connection_hdl& a, const connection_hdl& b) {
  return !a.owner_before(b) && !b.owner_before(a) && !a.expired();
}

}  // namespace

class client::impl {
 public:
  explicit impl(client_options o)
      : opts_(std::move(o)),
        url_(detail::parse_url(opts_.url)),
        backoff_(opts_.backoff.initial, opts_.backoff.max),
        queue_(opts_.queue_capacity) {
    if (opts_.channels.empty()) throw std::invalid_argument("at least one channel is needed");
    if (opts_.backoff.initial <= std::chrono::milliseconds(0) ||
        opts_.backoff.initial > opts_.backoff.max)
      throw std::invalid_argument("backoff: need 0 < initial <= max");
    if (opts_.ping_interval <= std::chrono::milliseconds(0) ||
        opts_.pong_timeout <= std::chrono::milliseconds(0))
      throw std::invalid_argument("ping_interval and pong_timeout must be positive");
  }

  ~impl() { stop(); }

  void start() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (started_) throw std::logic_error("client::start() called twice");
      started_ = true;
    }
    ep_.clear_access_channels(websocketpp::log::alevel::all);
    ep_.clear_error_channels(websocketpp::log::elevel::all);
    ep_.init_asio();
    ep_.start_perpetual();
    ep_.set_open_handshake_timeout(static_cast<long>(opts_.connect_timeout.count()));
    ep_.set_close_handshake_timeout(1000);
    ep_.set_open_handler([this](connection_hdl h) { handle_open(h); });
    ep_.set_fail_handler([this](connection_hdl h) { handle_fail(h); });
    ep_.set_close_handler([this](connection_hdl h) { handle_close(h); });
    ep_.set_message_handler(
        [this](connection_hdl h, endpoint::message_ptr m) { handle_message(h, m); });
    retry_timer_ = std::make_unique<asio::steady_timer>(ep_.get_io_service());
    ping_timer_ = std::make_unique<asio::steady_timer>(ep_.get_io_service());
    if (opts_.since) seq_.advance_to(*opts_.since);
    resync_pending_ = opts_.snapshot;
    asio::post(ep_.get_io_service(), [this] { connect(); });
    thread_ = std::thread([this] { run(); });
  }

  void request_stop() {
    if (stop_requested_.exchange(true)) return;
    queue_.close();  // a network thread waiting for queue room wakes up
    bool started = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      started = started_;
    }
    if (started) {
      asio::post(ep_.get_io_service(), [this] { shutdown(std::nullopt); });
    } else {
      set_state(connection_state::stopped);
    }
  }

  void stop() {
    request_stop();
    if (!thread_.joinable() || thread_.get_id() == std::this_thread::get_id()) return;
    // The close handshake normally ends the run at once; a peer that does not
    // answer is cut off after a bound.
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (!run_done_cv_.wait_for(lock, std::chrono::seconds(3), [&] { return run_done_; })) {
        lock.unlock();
        ep_.stop();
      }
    }
    thread_.join();
  }

  std::optional<event> next_event(std::chrono::milliseconds timeout) {
    if (opts_.queue_capacity == 0)
      throw std::logic_error("next_event() needs client_options::queue_capacity > 0");
    return queue_.pop(timeout);
  }

  connection_state state() const {
    std::lock_guard<std::mutex> lock(mu_);
    return state_;
  }
  std::optional<std::int64_t> last_seq() const {
    std::lock_guard<std::mutex> lock(mu_);
    return last_seq_;
  }
  std::optional<client_error> stop_error() const {
    std::lock_guard<std::mutex> lock(mu_);
    return stop_error_;
  }

  std::function<void(const event&)> on_entity, on_system, on_test, on_snapshot, on_resume_failed;
  std::function<void(connection_state)> on_state;
  std::function<void(const client_error&)> on_error;

 private:
  void run() {
    try {
      ep_.run();
    } catch (const std::exception& e) {
      report({error_kind::connection_lost, std::string("network thread: ") + e.what(), 0, 0});
      shutdown(client_error{error_kind::connection_lost, e.what(), 0, 0});
    }
    std::lock_guard<std::mutex> lock(mu_);
    run_done_ = true;
    run_done_cv_.notify_all();
  }

  // ---- connection life cycle (network thread) ----

  void connect() {
    if (stop_requested_) return;
    detail::subscribe_query q;
    q.channels = opts_.channels;
    q.filters = opts_.filters;
    q.conflate = opts_.conflate;
    resuming_ = false;
    if (resync_pending_) {
      q.snapshot = true;
    } else if (seq_.last()) {
      q.since = seq_.last();
      resuming_ = connected_once_ || opts_.since.has_value();
    } else if (baseline_) {
      q.since = baseline_;
      resuming_ = true;
    }
    set_state(resuming_ ? connection_state::resuming : connection_state::connecting);
    const std::string host =
        url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    const std::string uri =
        "ws://" + host + ":" + std::to_string(url_.port) + url_.path + detail::build_query(q);
    std::error_code ec;
    endpoint::connection_ptr con = ep_.get_connection(uri, ec);
    if (ec) {
      connect_failed(client_error{error_kind::connect_failed, uri + ": " + ec.message(), 0, 0});
      return;
    }
    if (!opts_.token.empty()) con->append_header("Authorization", "Bearer " + opts_.token);
    discarding_ = false;
    hdl_ = con->get_handle();
    ep_.connect(con);
  }

  void handle_open(connection_hdl h) {
    if (!same(h, hdl_)) {  // abandoned while connecting
      std::error_code ec;
      ep_.close(h, websocketpp::close::status::going_away, "", ec);
      return;
    }
    connected_once_ = true;
    backoff_.reset();
    last_rx_ = clock::now();
    set_state(resuming_ ? connection_state::resumed : connection_state::open);
    schedule_ping();
  }

  void handle_fail(connection_hdl h) {
    if (!same(h, hdl_)) return;
    hdl_.reset();
    ping_timer_->cancel();
    std::error_code ec;
    endpoint::connection_ptr con = ep_.get_con_from_hdl(h, ec);
    const int status = con ? static_cast<int>(con->get_response_code()) : 0;
    const std::string why = con ? con->get_ec().message() : std::string("connection failed");
    if (status >= 400 && status < 500) {
      client_error e{
          error_kind::rejected,
          "handshake rejected with HTTP " + std::to_string(status) + ": " +
              (con ? con->get_response_msg() : std::string()) +
              (con && !con->get_response().get_body().empty() ? " " + con->get_response().get_body()
                                                              : std::string()),
          status, 0};
      report(e);
      shutdown(e);
      return;
    }
    connect_failed(client_error{error_kind::connect_failed, why, status, 0});
  }

  void connect_failed(const client_error& e) {
    report(e);
    if (!connected_once_ && !opts_.retry_initial_connect) {
      shutdown(e);
      return;
    }
    schedule_reconnect(backoff_.next());
  }

  void handle_close(connection_hdl h) {
    if (!same(h, hdl_)) return;
    hdl_.reset();
    ping_timer_->cancel();
    std::error_code ec;
    endpoint::connection_ptr con = ep_.get_con_from_hdl(h, ec);
    const int code = con ? static_cast<int>(con->get_remote_close_code()) : 0;
    const std::string reason = con ? con->get_remote_close_reason() : std::string();
    report({error_kind::connection_lost,
            "connection closed (code " + std::to_string(code) + (reason.empty() ? "" : ", ") +
                reason + ")",
            0, code});
    schedule_reconnect(backoff_.next());
  }

  // Drops the current connection without waiting for the peer.
  void abandon_connection() {
    if (hdl_.expired()) return;
    std::error_code ec;
    endpoint::connection_ptr con = ep_.get_con_from_hdl(hdl_, ec);
    hdl_.reset();
    ping_timer_->cancel();
    if (con) drop(con);
  }

  // Ends `con` at once, whatever its state: no close handshake, pending
  // operations aborted (its handlers then find it stale).
  static void drop(const endpoint::connection_ptr& con) {
    con->terminate(websocketpp::lib::error_code());
    std::error_code ec;
    con->get_socket().close(ec);
  }

  void schedule_reconnect(std::chrono::milliseconds delay) {
    if (stop_requested_) return;
    set_state(connection_state::reconnect_wait);
    retry_timer_->expires_after(delay);
    retry_timer_->async_wait([this](const std::error_code& ec) {
      if (!ec) connect();
    });
  }

  void schedule_ping() {
    ping_timer_->expires_after(opts_.ping_interval);
    ping_timer_->async_wait([this](const std::error_code& ec) {
      if (ec || hdl_.expired() || stop_requested_) return;
      if (clock::now() - last_rx_ > opts_.pong_timeout) {
        report({error_kind::dead_peer,
                "nothing received for " + std::to_string(opts_.pong_timeout.count()) + " ms", 0,
                0});
        abandon_connection();
        schedule_reconnect(backoff_.next());
        return;
      }
      std::error_code send_ec;
      ep_.send(hdl_, R"({"type":"ping"})", websocketpp::frame::opcode::text, send_ec);
      schedule_ping();
    });
  }

  void shutdown(std::optional<client_error> why) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shut_down_) return;
      shut_down_ = true;
      if (why) stop_error_ = why;
    }
    stop_requested_ = true;
    retry_timer_->cancel();
    ping_timer_->cancel();
    if (!hdl_.expired()) {
      std::error_code ec;
      endpoint::connection_ptr con = ep_.get_con_from_hdl(hdl_, ec);
      hdl_.reset();
      // An open connection says goodbye (1000); one still connecting is dropped.
      if (con && con->get_state() == websocketpp::session::state::open) {
        con->close(websocketpp::close::status::normal, "client stop", ec);
        if (ec) drop(con);
      } else if (con) {
        drop(con);
      }
    }
    ep_.stop_perpetual();
    // The state first: a consumer woken by the queue's close finds the
    // client stopped (and stop_error() set).
    set_state(connection_state::stopped);
    queue_.close();
  }

  // ---- messages (network thread) ----

  void handle_message(connection_hdl h, const endpoint::message_ptr& msg) {
    if (!same(h, hdl_)) return;
    last_rx_ = clock::now();
    if (msg->get_opcode() != websocketpp::frame::opcode::text) return;
    detail::message m = detail::parse_message(msg->get_payload());
    switch (m.kind) {
      case detail::message::type::stats:
        // Where this subscription started: the resume point if the connection
        // drops before the first event.
        if (!seq_.has_position() && !baseline_ && m.stats_last_seq) baseline_ = m.stats_last_seq;
        return;
      case detail::message::type::error:
        report({error_kind::server_error, m.text, 0, 0});
        return;
      case detail::message::type::malformed:
        report({error_kind::bad_message, m.text, 0, 0});
        return;
      case detail::message::type::greeting:
      case detail::message::type::pong:
      case detail::message::type::other:
        return;
      case detail::message::type::event:
        break;
    }
    if (discarding_) return;  // after resume_failed, waiting for the snapshot connection
    event& ev = m.ev;
    switch (ev.kind) {
      case event_kind::entity:
      case event_kind::system:
        if (ev.seq && !seq_.accept(*ev.seq)) return;  // already delivered
        break;
      case event_kind::snapshot:
        resync_pending_ = false;
        if (ev.seq) seq_.advance_to(*ev.seq);
        break;
      case event_kind::test:
        break;
      case event_kind::resume_failed:
        handle_resume_failed(ev);
        return;
    }
    publish_seq();
    deliver(ev);
  }

  void handle_resume_failed(const event& ev) {
    report({error_kind::resume_failed,
            "resume point " + (seq_.last() ? std::to_string(*seq_.last()) : std::string("?")) +
                " is gone (" + ev.event_type + ", oldest_seq " +
                (ev.oldest_seq ? std::to_string(*ev.oldest_seq) : std::string("?")) + ")",
            0, 0});
    deliver(ev);
    switch (opts_.on_resume_failed) {
      case resume_failed_policy::accept_gap:
        return;
      case resume_failed_policy::stop:
        shutdown(client_error{error_kind::resume_failed, "resume_failed (policy stop)", 0, 0});
        return;
      case resume_failed_policy::resync_snapshot:
        resync_pending_ = true;
        discarding_ = true;
        abandon_connection();
        schedule_reconnect(std::chrono::milliseconds(0));
        return;
    }
  }

  void deliver(const event& ev) {
    const std::function<void(const event&)>* cb = nullptr;
    switch (ev.kind) {
      case event_kind::entity:
        cb = &on_entity;
        break;
      case event_kind::system:
        cb = &on_system;
        break;
      case event_kind::test:
        cb = &on_test;
        break;
      case event_kind::snapshot:
        cb = &on_snapshot;
        break;
      case event_kind::resume_failed:
        cb = &on_resume_failed;
        break;
    }
    if (cb && *cb) {
      try {
        (*cb)(ev);
      } catch (const std::exception& e) {
        report({error_kind::callback, e.what(), 0, 0});
      } catch (...) {
        report({error_kind::callback, "unknown exception", 0, 0});
      }
    }
    if (opts_.queue_capacity > 0) queue_.push(ev);
  }

  void publish_seq() {
    std::lock_guard<std::mutex> lock(mu_);
    last_seq_ = seq_.last();
  }

  void set_state(connection_state s) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (state_ == connection_state::stopped) return;  // final
      if (state_ == s && state_reported_) return;
      state_ = s;
      state_reported_ = true;
    }
    if (on_state) {
      try {
        on_state(s);
      } catch (const std::exception& e) {
        report({error_kind::callback, e.what(), 0, 0});
      } catch (...) {
        report({error_kind::callback, "unknown exception", 0, 0});
      }
    }
  }

  void report(const client_error& e) {
    if (!on_error) return;
    try {
      on_error(e);
    } catch (...) {
      // an error handler that throws has nowhere left to report to
    }
  }

  client_options opts_;
  detail::ws_url url_;
  endpoint ep_;
  std::thread thread_;
  std::unique_ptr<asio::steady_timer> retry_timer_;
  std::unique_ptr<asio::steady_timer> ping_timer_;

  // Network thread only.
  connection_hdl hdl_;
  detail::seq_tracker seq_;
  detail::backoff backoff_;
  std::optional<std::int64_t> baseline_;
  bool connected_once_ = false;
  bool resuming_ = false;
  bool resync_pending_ = false;
  bool discarding_ = false;
  clock::time_point last_rx_{};

  detail::event_queue queue_;
  std::atomic<bool> stop_requested_{false};

  mutable std::mutex mu_;
  std::condition_variable run_done_cv_;
  bool run_done_ = false;
  bool started_ = false;
  bool shut_down_ = false;
  bool state_reported_ = false;  // the first state (connecting) is reported too
  connection_state state_ = connection_state::connecting;
  std::optional<std::int64_t> last_seq_;
  std::optional<client_error> stop_error_;
};

client::client(client_options options) : impl_(std::make_unique<impl>(std::move(options))) {}
client::~client() { impl_->stop(); }

void client::on_entity_event(std::function<void(const event&)> cb) {
  impl_->on_entity = std::move(cb);
}
void client::on_system_event(std::function<void(const event&)> cb) {
  impl_->on_system = std::move(cb);
}
void client::on_test_event(std::function<void(const event&)> cb) { impl_->on_test = std::move(cb); }
void client::on_snapshot(std::function<void(const event&)> cb) {
  impl_->on_snapshot = std::move(cb);
}
void client::on_resume_failed(std::function<void(const event&)> cb) {
  impl_->on_resume_failed = std::move(cb);
}
void client::on_state(std::function<void(connection_state)> cb) { impl_->on_state = std::move(cb); }
void client::on_error(std::function<void(const client_error&)> cb) {
  impl_->on_error = std::move(cb);
}

void client::start() { impl_->start(); }
void client::stop() { impl_->stop(); }
void client::request_stop() { impl_->request_stop(); }
std::optional<event> client::next_event(std::chrono::milliseconds timeout) {
  return impl_->next_event(timeout);
}
connection_state client::state() const { return impl_->state(); }
std::optional<std::int64_t> client::last_seq() const { return impl_->last_seq(); }
std::optional<client_error> client::stop_error() const { return impl_->stop_error(); }

}  // namespace sensorhub::client

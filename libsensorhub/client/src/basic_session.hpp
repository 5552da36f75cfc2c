// SPDX-License-Identifier: MIT
#pragma once

// One subscription's connection logic over websocketpp's Asio client, for
// the plain (asio_client, ws://) and the TLS (asio_tls_client, wss://)
// configuration; the including file includes the configuration's header.
// One network thread runs the io_context; every handler below runs on it, so
// the connection bookkeeping (hdl_, backoff_, timers) needs no lock. What a
// frame means, the callbacks and the state other threads read are
// session_core's.

#include <websocketpp/client.hpp>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "backoff.hpp"
#include "session_core.hpp"
#include "tls_context.hpp"
#include "url.hpp"

namespace sensorhub::client::detail {

namespace session_util {

using clock = std::chrono::steady_clock;

inline bool same(const websocketpp::connection_hdl& a, const websocketpp::connection_hdl& b) {
  return !a.owner_before(b) && !b.owner_before(a) && !a.expired();
}

}  // namespace session_util

// Tls: Config is websocketpp::config::asio_tls_client.
template <class Config, bool Tls>
class basic_session final : public session_core {
 public:
  using connection_hdl = websocketpp::connection_hdl;
  using clock = session_util::clock;
  using endpoint = websocketpp::client<Config>;
  static constexpr bool tls = Tls;

  explicit basic_session(client_options o)
      : session_core(std::move(o)),
        url_(parse_url(opts_.url)),
        backoff_(opts_.backoff.initial, opts_.backoff.max) {
    if (url_.tls != tls) throw std::logic_error("basic_session: wrong configuration for the URL");
    if constexpr (tls) {
      tls_report_ = std::make_shared<tls_verify_report>();
      tls_ctx_ =
          make_tls_context({url_.host, opts_.tls_ca_file, opts_.tls_verify_peer}, tls_report_);
    }
  }

  ~basic_session() override { stop(); }

  void start() override {
    {
      std::lock_guard<std::mutex> lock(life_mu_);
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
    if constexpr (tls) {
      ep_.set_tls_init_handler([this](connection_hdl) { return tls_ctx_; });
    }
    ep_.set_message_handler(
        [this](connection_hdl h, typename endpoint::message_ptr m) { handle_message(h, m); });
    retry_timer_ = std::make_unique<asio::steady_timer>(ep_.get_io_service());
    ping_timer_ = std::make_unique<asio::steady_timer>(ep_.get_io_service());
    asio::post(ep_.get_io_service(), [this] { connect(); });
    thread_ = std::thread([this] { run(); });
  }

  void request_stop() override {
    if (stop_requested_.exchange(true)) return;
    queue_.close();  // a network thread waiting for queue room wakes up
    bool started = false;
    {
      std::lock_guard<std::mutex> lock(life_mu_);
      started = started_;
    }
    if (started) {
      asio::post(ep_.get_io_service(), [this] { shutdown(std::nullopt); });
    } else {
      set_state(connection_state::stopped);
    }
  }

  void stop() override {
    request_stop();
    if (!thread_.joinable() || thread_.get_id() == std::this_thread::get_id()) return;
    // The close handshake normally ends the run at once; a peer that does not
    // answer is cut off after a bound.
    {
      std::unique_lock<std::mutex> lock(life_mu_);
      if (!run_done_cv_.wait_for(lock, std::chrono::seconds(3), [&] { return run_done_; })) {
        lock.unlock();
        ep_.stop();
      }
    }
    thread_.join();
  }

 private:
  void run() {
    try {
      ep_.run();
    } catch (const std::exception& e) {
      report({error_kind::connection_lost, std::string("network thread: ") + e.what(), 0, 0});
      shutdown(client_error{error_kind::connection_lost, e.what(), 0, 0});
    }
    std::lock_guard<std::mutex> lock(life_mu_);
    run_done_ = true;
    run_done_cv_.notify_all();
  }

  // ---- connection life cycle (network thread) ----

  void connect() {
    if (stop_requested_) return;
    const subscribe_query q = begin_attempt();
    const std::string host =
        url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    const std::string uri = (tls ? "wss://" : "ws://") + host + ":" + std::to_string(url_.port) +
                            url_.path + build_query(q);
    std::error_code ec;
    typename endpoint::connection_ptr con = ep_.get_connection(uri, ec);
    if (ec) {
      connect_failed(client_error{error_kind::connect_failed, uri + ": " + ec.message(), 0, 0});
      return;
    }
    if (!opts_.token.empty()) con->append_header("Authorization", "Bearer " + opts_.token);
    if constexpr (tls) tls_report_->reason.clear();
    hdl_ = con->get_handle();
    ep_.connect(con);
  }

  void handle_open(connection_hdl h) {
    if (!session_util::same(h, hdl_)) {  // abandoned while connecting
      std::error_code ec;
      ep_.close(h, websocketpp::close::status::going_away, "", ec);
      return;
    }
    backoff_.reset();
    last_rx_ = clock::now();
    attempt_opened();
    schedule_ping();
  }

  void handle_fail(connection_hdl h) {
    if (!session_util::same(h, hdl_)) return;
    hdl_.reset();
    ping_timer_->cancel();
    std::error_code ec;
    typename endpoint::connection_ptr con = ep_.get_con_from_hdl(h, ec);
    const int status = con ? static_cast<int>(con->get_response_code()) : 0;
    const std::string why = failure_text(con);
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

  // Why a connection attempt failed; for TLS, what the verification refused.
  std::string failure_text(const typename endpoint::connection_ptr& con) const {
    if (!con) return "connection failed";
    const std::string text = con->get_ec().message();
    if constexpr (tls) {
      if (!tls_report_->reason.empty())
        return "TLS: certificate verification of " + url_.host + " failed: " + tls_report_->reason;
      if (con->get_ec() == websocketpp::transport::asio::socket::make_error_code(
                               websocketpp::transport::asio::socket::error::tls_handshake_failed))
        return "TLS handshake with " + url_.host + ":" + std::to_string(url_.port) +
               " failed (not a TLS server, or it closed the connection)";
    }
    return text;
  }

  void connect_failed(const client_error& e) {
    report(e);
    if (!connected_once() && !opts_.retry_initial_connect) {
      shutdown(e);
      return;
    }
    schedule_reconnect(backoff_.next());
  }

  void handle_close(connection_hdl h) {
    if (!session_util::same(h, hdl_)) return;
    hdl_.reset();
    ping_timer_->cancel();
    std::error_code ec;
    typename endpoint::connection_ptr con = ep_.get_con_from_hdl(h, ec);
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
    typename endpoint::connection_ptr con = ep_.get_con_from_hdl(hdl_, ec);
    hdl_.reset();
    ping_timer_->cancel();
    if (con) drop(con);
  }

  // Ends `con` at once, whatever its state: no close handshake, pending
  // operations aborted (its handlers then find it stale).
  static void drop(const typename endpoint::connection_ptr& con) {
    con->terminate(websocketpp::lib::error_code());
    std::error_code ec;
    con->get_raw_socket().close(ec);
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
    if (!mark_shut_down(std::move(why))) return;
    stop_requested_ = true;
    retry_timer_->cancel();
    ping_timer_->cancel();
    if (!hdl_.expired()) {
      std::error_code ec;
      typename endpoint::connection_ptr con = ep_.get_con_from_hdl(hdl_, ec);
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
    finish_shut_down();
  }

  // ---- messages (network thread) ----

  void handle_message(connection_hdl h, const typename endpoint::message_ptr& msg) {
    if (!session_util::same(h, hdl_)) return;
    last_rx_ = clock::now();
    if (msg->get_opcode() != websocketpp::frame::opcode::text) return;
    switch (on_text(msg->get_payload())) {
      case verdict::keep:
        return;
      case verdict::stop:
        shutdown(client_error{error_kind::resume_failed, "resume_failed (policy stop)", 0, 0});
        return;
      case verdict::resync:
        abandon_connection();
        schedule_reconnect(std::chrono::milliseconds(0));
        return;
    }
  }

  ws_url url_;
  endpoint ep_;
  std::thread thread_;
  std::unique_ptr<asio::steady_timer> retry_timer_;
  std::unique_ptr<asio::steady_timer> ping_timer_;
  std::shared_ptr<asio::ssl::context> tls_ctx_;    // TLS only
  std::shared_ptr<tls_verify_report> tls_report_;  // TLS only

  // Network thread only.
  connection_hdl hdl_;
  backoff backoff_;
  clock::time_point last_rx_{};

  std::mutex life_mu_;
  std::condition_variable run_done_cv_;
  bool run_done_ = false;
  bool started_ = false;
};

}  // namespace sensorhub::client::detail

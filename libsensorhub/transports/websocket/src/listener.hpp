#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "policy/admission.hpp"
#include "policy/flood_policy.hpp"
#include "policy/frame_cache.hpp"
#include "net_log.hpp"
#include "policy/ping_sweeper.hpp"
#include "sensorhub/transports/websocket.hpp"
#include "wspp.hpp"

namespace sensorhub::ws_detail {

// The state behind websocket_transport: the io_context and the network
// thread that runs it, the websocketpp endpoint, the live connections and
// the stop handshake (listener.cpp), and websocketpp's per-connection
// callbacks, which hand each decision to a policy piece (admission,
// flood_policy, ping_sweeper, frame_cache) and plain HTTP to http_adapter
// (connection_handlers.cpp). Everything except the atomics, post() and
// the stop handshake is touched on the network thread only.
class listener : public std::enable_shared_from_this<listener> {
 public:
  explicit listener(websocket_options o);
  ~listener();
  listener(const listener&) = delete;
  listener& operator=(const listener&) = delete;

  void start(const transport_context& ctx);
  void stop() noexcept;
  void stop_accepting() noexcept;
  // Closes (on the network thread) every open WebSocket tagged `principal`.
  void close_principal(const std::string& principal, int code, const std::string& reason);

  std::uint16_t port() const noexcept { return port_.load(); }
  std::size_t open_connections() const noexcept { return live_count_.load(); }

  // Runs fn on the network thread (dropped once the transport stopped). Any thread.
  void post(std::function<void()> fn);
  // The event framed once as a prepared message, shared by every
  // connection; null when it cannot be framed (send the text instead).
  // Network thread.
  ws_message_ptr frame(const event& e);

  const websocket_options& options() const noexcept { return opts_; }
  void log(log_level l, std::string_view msg) const noexcept { log_line(opts_, l, msg); }

 private:
  static ws_conn_data& data(ws_connection& c) { return static_cast<ws_conn_data&>(c); }
  ws_con_ptr con_of(websocketpp::connection_hdl hdl);

  // listener.cpp: lifecycle and the live set.
  void configure_server();
  void bind_handlers();
  void listen();
  void run_network_thread();
  void wait_for_closes();
  void on_tcp_init(websocketpp::connection_hdl hdl);
  void on_terminated(const ws_con_ptr& c);
  void publish_live_count();
  void close_all(int code, const std::string& reason);
  void terminate_all();
  void drop_remaining();

  // connection_handlers.cpp: one connection's callbacks and the sweep.
  bool on_validate(websocketpp::connection_hdl hdl);
  void on_http(websocketpp::connection_hdl hdl);
  void on_open(websocketpp::connection_hdl hdl);
  void on_message(websocketpp::connection_hdl hdl, const ws_message_ptr& msg);
  // False when the message is over the rate (answered or closed here).
  bool admit_message(ws_connection& c, ws_conn_data& d);
  void on_ping(websocketpp::connection_hdl hdl);
  void on_pong(websocketpp::connection_hdl hdl);
  void on_pong_timeout(websocketpp::connection_hdl hdl);
  void schedule_sweep();
  void sweep();
  ws_message_ptr prepare_frame(const std::string& json);

  websocket_options opts_;
  admission admission_{opts_};
  flood_policy flood_;
  ping_sweeper pings_;
  transport_context ctx_;

  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  ws_server server_;
  asio::steady_timer sweep_timer_{io_};
  std::thread thread_;

  std::atomic<std::uint16_t> port_{0};
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};  // new requests get 503
  std::atomic<bool> stopped_{false};   // posts are dropped
  std::atomic<bool> stop_called_{false};
  std::atomic<std::size_t> live_count_{0};

  // Network thread only.
  std::unordered_map<ws_connection*, ws_con_ptr> live_;
  std::shared_ptr<ws_config::con_msg_manager_type> msg_manager_ =
      std::make_shared<ws_config::con_msg_manager_type>();
  ws_config::rng_type rng_;
  std::unique_ptr<ws_framer> framer_;
  frame_cache<ws_message_ptr> frames_;

  // Stop handshake between stop() and the network thread.
  std::mutex stop_m_;
  std::condition_variable stop_cv_;
  std::size_t live_snapshot_ = 0;  // live_.size(), published under stop_m_
};

}  // namespace sensorhub::ws_detail

// SPDX-License-Identifier: MIT
#pragma once

#include <asio.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/frames.hpp"
#include "net/out_queue.hpp"
#include "net/shard.hpp"
#include "net/tls_context.hpp"
#include "net_log.hpp"
#include "policy/admission.hpp"
#include "policy/body_budget.hpp"
#include "policy/flood_policy.hpp"
#include "policy/frame_cache.hpp"
#include "policy/ping_sweeper.hpp"
#include "sensorhub/transports/websocket.hpp"

namespace sensorhub::ws_detail {

// The state behind websocket_transport: the options, the network threads
// (shards), the acceptor that spreads connections over them, the policy
// pieces every connection consults (admission, flood_policy, ping_sweeper)
// made safe for several threads, the frames shared by all connections, and
// the stop handshake. The shards and the acceptor run on the network
// threads; start/stop/close_principal and the counters on any thread.
class server : public std::enable_shared_from_this<server> {
 public:
  using clock = std::chrono::steady_clock;
  // How long a closing WebSocket waits for the peer's close frame (and a
  // slow consumer gets to read its last bytes and the 1008), and how long a
  // closing HTTP connection lingers for the peer to read the answer.
  static constexpr std::chrono::milliseconds close_grace{5000};
  static constexpr std::chrono::milliseconds linger{2000};

  explicit server(websocket_options o);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  void start(const transport_context& ctx);
  void stop() noexcept;
  void stop_accepting() noexcept;
  void close_principal(const std::string& principal, int code, const std::string& reason);

  std::uint16_t port() const noexcept { return port_.load(); }
  std::size_t open_connections() const noexcept { return live_count_.load(); }
  bool stopping() const noexcept { return stopping_.load(); }

  const websocket_options& options() const noexcept { return opts_; }

  // TLS (websocket_options::tls_cert_file): the context new connections
  // use, null when the port speaks plain TCP. Any thread.
  std::shared_ptr<const tls_context> tls() const { return tls_ ? tls_->current() : nullptr; }
  // Loads the certificate and key again (websocket_transport::reload_tls).
  std::string reload_tls();
  std::string tls_certificate() const;
  // Shared by every session of this transport.
  const std::shared_ptr<const transport_context>& context() const noexcept { return ctx_; }
  void log(log_level l, std::string_view msg) const noexcept { log_line(opts_, l, msg); }

  // Admission (any network thread): 503 while stopping or over the socket
  // cap; the checks of a WebSocket upgrade; the per-address count.
  std::optional<http_response> refuse_request() const;
  std::optional<http_response> refuse_missing_length(const std::string& method, bool chunked,
                                                     bool has_content_length) const {
    return admission_.refuse_missing_length(method, chunked, has_content_length);
  }
  upgrade_verdict check_upgrade(const http_request& req);
  // Counts an admitted WebSocket of this address; false when the
  // per-address cap was reached meanwhile.
  bool count_websocket(const std::string& address);
  void release_websocket(const std::string& address);

  // A share of the request-body budget (max_buffered_body_bytes), empty
  // until grown; any network thread.
  body_reservation reserve_body() const { return body_reservation(bodies_); }
  std::size_t buffered_body_bytes() const noexcept { return bodies_->in_use(); }

  // Client messages (any network thread; the shared buckets are locked).
  flood_state open_flood(clock::time_point now) const { return flood_.open(now); }
  flood_verdict judge_message(flood_state& s, const std::string& address,
                              const std::string& principal, clock::time_point now);
  flood_verdict judge_control(flood_state& s, clock::time_point now) {
    return flood_.judge_control(s, now);
  }
  const ping_sweeper& pings() const noexcept { return pings_; }

  // The global backlog budget (websocket_options::total_backlog_limit):
  // each shard publishes the sum and the largest of its WebSockets'
  // backlogs every sweep. Any thread.
  std::size_t total_backlog() const noexcept;
  // The largest backlog any shard other than `self` reported.
  std::size_t largest_backlog_except(const shard* self) const noexcept;

  // The event's frame, made once for all threads.
  out_queue::bytes event_frame(const std::shared_ptr<const std::string>& json);
  // Drops the shared frames when unused since the previous call.
  void sweep_frames();

  // A socket closed (any network thread).
  void connection_closed() noexcept;

 private:
  void listen();
  void accept_next();
  void on_accept(const asio::error_code& ec, asio::ip::tcp::socket sock, std::size_t target);
  void wait_for_closes();
  void on_each_shard(void (*fn)(shard&));

  websocket_options opts_;
  std::unique_ptr<tls_holder> tls_;  // set by start(), then never replaced
  std::shared_ptr<const transport_context> ctx_;
  flood_policy flood_;
  ping_sweeper pings_;

  admission admission_{opts_};
  std::shared_ptr<body_budget> bodies_ =
      std::make_shared<body_budget>(opts_.max_buffered_body_bytes);

  std::mutex frames_m_;
  frame_cache<out_queue::bytes> frames_{1024};  // guarded by frames_m_
  frame_maker maker_;                           // guarded by frames_m_

  std::vector<std::shared_ptr<shard>> shards_;
  std::optional<asio::ip::tcp::acceptor> acceptor_;  // on shards_[0]
  std::optional<asio::steady_timer> accept_retry_;   // after EMFILE
  std::size_t next_shard_ = 0;                       // acceptor's thread

  std::atomic<std::uint16_t> port_{0};
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<bool> stop_called_{false};
  std::atomic<std::size_t> live_count_{0};

  std::mutex stop_m_;
  std::condition_variable stop_cv_;
};

}  // namespace sensorhub::ws_detail

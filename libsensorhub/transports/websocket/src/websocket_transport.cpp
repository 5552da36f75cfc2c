// The one translation unit that instantiates websocketpp.
#include "sensorhub/transports/websocket.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "http_policy.hpp"
#include "sensorhub/error.hpp"
#include "sensorhub/protocol.hpp"
#include "ws_query.hpp"
#include "wspp.hpp"

namespace sensorhub {
namespace ws_detail {

namespace {

using level = websocket_options::log_level;
using steady = std::chrono::steady_clock;

constexpr std::size_t frame_cache_slots = 1024;
constexpr std::chrono::milliseconds sweep_period{250};

}  // namespace

class net_core;

// One WebSocket connection as its sensorhub::session sees it: this class
// only moves bytes through websocketpp on the network thread.
class ws_session final : public connection {
 public:
  ws_session(std::weak_ptr<net_core> core, std::weak_ptr<ws_connection> con)
      : core_(std::move(core)), con_(std::move(con)) {}

  void send_text(std::shared_ptr<const std::string> text) override;
  void send_event(const event& e) override;
  void close(int code, std::string_view reason) override;
  void post(std::function<void()> fn) override;
  std::size_t buffered_bytes() const override {
    auto c = con_.lock();
    return c ? c->get_buffered_amount() : 0;
  }

 private:
  std::weak_ptr<net_core> core_;
  std::weak_ptr<ws_connection> con_;
};

// The state behind websocket_transport: the io_context, the websocketpp
// endpoint, the live connections and the frame cache. Everything except the
// atomics and the stop handshake is touched on the network thread only.
class net_core : public std::enable_shared_from_this<net_core> {
 public:
  explicit net_core(websocket_options o)
      : opts_(std::move(o)), shared_messages_(opts_.shared_message_rate) {}

  void start(const transport_context& ctx);
  void stop() noexcept;
  void stop_accepting() noexcept;
  void close_principal(const std::string& principal, int code, const std::string& reason);

  std::uint16_t port() const noexcept { return port_.load(); }
  std::size_t open_connections() const noexcept { return live_count_.load(); }

  // Runs fn on the network thread (dropped once the transport stopped).
  void post(std::function<void()> fn);
  // The event framed once as a prepared message, shared by every connection.
  ws_message_ptr frame(const event& e);

  void log(level l, std::string_view msg) const {
    if (opts_.logger) {
      try {
        opts_.logger(l, msg);
      } catch (...) {  // a logger never breaks the network thread
      }
    }
  }

 private:
  struct pending_response;

  static ws_conn_data& data(ws_connection& c) { return static_cast<ws_conn_data&>(c); }
  ws_con_ptr con_of(websocketpp::connection_hdl hdl) {
    websocketpp::lib::error_code ec;
    ws_con_ptr c = server_.get_con_from_hdl(std::move(hdl), ec);
    return ec ? ws_con_ptr{} : c;
  }

  http_request make_request(ws_connection& c) const;
  http_responder make_responder(const ws_con_ptr& c);
  void finish_http(const ws_con_ptr& c, const http_response& r);
  static void write_response(ws_connection& c, const http_response& r);

  void on_tcp_init(websocketpp::connection_hdl hdl);
  void on_terminated(const ws_con_ptr& c);
  void publish_live_count();
  bool on_validate(websocketpp::connection_hdl hdl);
  void on_http(websocketpp::connection_hdl hdl);
  void on_open(websocketpp::connection_hdl hdl);
  void on_message(websocketpp::connection_hdl hdl, const ws_message_ptr& msg);
  // False when the message is over the connection's rate (answered or closed here).
  bool admit_message(ws_connection& c, ws_conn_data& d);
  void on_pong(websocketpp::connection_hdl hdl);
  void on_pong_timeout(websocketpp::connection_hdl hdl);
  void schedule_sweep();
  void sweep();
  void close_all(int code, const std::string& reason);
  void terminate_all();

  websocket_options opts_;
  rate_limiter shared_messages_;  // "addr:<ip>" and "token:<principal>" buckets
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
  std::unordered_map<std::string, std::size_t> ws_per_address_;  // validated WebSockets
  std::size_t deferred_ = 0;
  std::shared_ptr<ws_config::con_msg_manager_type> msg_manager_ =
      std::make_shared<ws_config::con_msg_manager_type>();
  ws_config::rng_type rng_;
  std::unique_ptr<ws_framer> framer_;
  struct cached_frame {
    std::shared_ptr<const std::string> json;  // keeps the key's address unique
    ws_message_ptr msg;
  };
  std::deque<cached_frame> frames_;
  std::unordered_map<const std::string*, ws_message_ptr> frame_index_;
  std::size_t frames_since_sweep_ = 0;

  // Stop handshake between stop() and the network thread.
  std::mutex stop_m_;
  std::condition_variable stop_cv_;
  std::size_t live_snapshot_ = 0;  // live_.size(), published under stop_m_
};

// ---- ws_session -------------------------------------------------------------

void ws_session::send_text(std::shared_ptr<const std::string> text) {
  auto c = con_.lock();
  if (!c || !text) return;
  c->send(*text, websocketpp::frame::opcode::text);
}

void ws_session::send_event(const event& e) {
  auto core = core_.lock();
  auto c = con_.lock();
  if (!core || !c) return;
  ws_message_ptr msg = core->frame(e);
  if (!msg) {
    send_text(e.json);
    return;
  }
  c->send(msg);
}

void ws_session::close(int code, std::string_view reason) {
  auto c = con_.lock();
  if (!c || c->get_state() != websocketpp::session::state::open) return;
  websocketpp::lib::error_code ec;
  c->close(static_cast<websocketpp::close::status::value>(code), std::string(reason), ec);
}

void ws_session::post(std::function<void()> fn) {
  if (auto core = core_.lock()) core->post(std::move(fn));
}

// ---- responses --------------------------------------------------------------

// The shared state of one http_responder: sends at most once; if nobody
// answered, the destructor sends a 500 so the connection is never stuck.
struct net_core::pending_response {
  std::weak_ptr<net_core> core;
  ws_con_ptr con;
  std::atomic<bool> done{false};

  void send(http_response r) {
    if (done.exchange(true)) return;
    auto c = core.lock();
    if (!c || c->stopped_.load()) return;
    net_core* raw = c.get();
    asio::post(raw->io_, [raw, con = con, r = std::move(r)] { raw->finish_http(con, r); });
  }
  ~pending_response() {
    if (!done.load()) {
      try {
        send(error_response(errc::internal, "the request was not answered"));
      } catch (...) {  // destructors never throw
      }
    }
  }
};

http_responder net_core::make_responder(const ws_con_ptr& c) {
  auto p = std::make_shared<pending_response>();
  p->core = weak_from_this();
  p->con = c;
  return [p](http_response r) { p->send(std::move(r)); };
}

void net_core::write_response(ws_connection& c, const http_response& r) {
  c.set_status(static_cast<websocketpp::http::status_code::value>(r.status),
               reason_phrase(r.status));
  for (const auto& [name, value] : r.headers) c.replace_header(name, value);
  if (!r.content_type.empty() && !r.body.empty()) c.replace_header("Content-Type", r.content_type);
  c.replace_header("Connection", "close");
  if (!r.body.empty()) {
    c.set_body(r.body);
  } else if (r.status != 204 && r.status >= 200) {
    c.replace_header("Content-Length", "0");
  }
}

void net_core::finish_http(const ws_con_ptr& c, const http_response& r) {
  auto& d = data(*c);
  if (!d.deferred) return;  // terminated meanwhile
  d.deferred = false;
  --deferred_;
  try {
    write_response(*c, r);
    websocketpp::lib::error_code ec;
    c->send_http_response(ec);
  } catch (const std::exception& e) {
    log(level::warn, std::string("http response failed: ") + e.what());
  }
}

http_request net_core::make_request(ws_connection& c) const {
  const auto& req = c.get_request();
  http_request out;
  out.method = req.get_method();
  std::string target = req.get_uri();
  // absolute-form (http://host/path) -> path
  if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {
    const auto slash = target.find('/', target.find("//") + 2);
    target = slash == std::string::npos ? "/" : target.substr(slash);
  }
  const auto q = target.find('?');
  out.path = target.substr(0, q);
  if (q != std::string::npos) out.query = target.substr(q + 1);
  for (const auto& [name, value] : req.get_headers()) out.headers[lower(name)] = value;
  out.body = req.get_body();
  asio::error_code ec;
  const auto ep = c.get_raw_socket().remote_endpoint(ec);
  if (!ec) out.remote_address = ep.address().to_string();
  return out;
}

// ---- lifecycle ----------------------------------------------------------------

void net_core::start(const transport_context& ctx) {
  if (started_.exchange(true)) throw error(errc::internal, "websocket transport already started");
  ctx_ = ctx;
  websocketpp::lib::error_code ec;
  server_.init_asio(&io_, ec);
  if (ec) throw error(errc::internal, "websocket: init failed: " + ec.message());
  server_.clear_access_channels(websocketpp::log::alevel::all);
  server_.clear_error_channels(websocketpp::log::elevel::all);
  server_.set_reuse_addr(true);
  server_.set_max_message_size(opts_.max_message_size);
  server_.set_max_http_body_size(opts_.max_http_body_size);
  server_.set_open_handshake_timeout(static_cast<long>(opts_.handshake_timeout.count()));
  server_.set_close_handshake_timeout(2000);
  server_.set_pong_timeout(static_cast<long>(opts_.pong_timeout.count()));
  server_.set_user_agent("sensorhubd");

  server_.set_tcp_pre_init_handler([this](websocketpp::connection_hdl h) { on_tcp_init(h); });
  server_.set_validate_handler([this](websocketpp::connection_hdl h) { return on_validate(h); });
  server_.set_http_handler([this](websocketpp::connection_hdl h) { on_http(h); });
  server_.set_open_handler([this](websocketpp::connection_hdl h) { on_open(h); });
  server_.set_message_handler(
      [this](websocketpp::connection_hdl h, ws_message_ptr m) { on_message(h, m); });
  server_.set_ping_handler([this](websocketpp::connection_hdl h, std::string) {
    if (auto c = con_of(h)) data(*c).last_rx = steady::now();
    return true;
  });
  server_.set_pong_handler([this](websocketpp::connection_hdl h, std::string) { on_pong(h); });
  server_.set_pong_timeout_handler(
      [this](websocketpp::connection_hdl h, std::string) { on_pong_timeout(h); });

  framer_ = std::make_unique<ws_framer>(false, true, msg_manager_, rng_);

  server_.listen(opts_.host, std::to_string(opts_.port), ec);
  if (ec) {
    throw error(errc::internal, "cannot listen on " + opts_.host + ":" +
                                    std::to_string(opts_.port) + ": " + ec.message());
  }
  asio::error_code aec;
  port_.store(server_.get_local_endpoint(aec).port());
  server_.start_accept(ec);
  if (ec) throw error(errc::internal, "websocket: accept failed: " + ec.message());

  work_.emplace(asio::make_work_guard(io_));
  schedule_sweep();
  thread_ = std::thread([this] {
    for (;;) {
      try {
        io_.run();
        return;
      } catch (const std::exception& e) {
        log(level::error, std::string("network thread: ") + e.what());
      } catch (...) {
        log(level::error, "network thread: unknown exception");
      }
    }
  });
}

void net_core::stop_accepting() noexcept {
  if (!started_.load() || stopping_.exchange(true)) return;
  try {
    asio::post(io_, [this] {
      websocketpp::lib::error_code ec;
      if (server_.is_listening()) server_.stop_listening(ec);
    });
  } catch (...) {
  }
}

void net_core::stop() noexcept {
  if (!started_.load() || stop_called_.exchange(true)) return;
  try {
    stop_accepting();
    const auto grace = opts_.stop_grace;
    asio::post(io_, [this] {
      websocketpp::lib::error_code ec;
      if (server_.is_listening()) server_.stop_listening(ec);
      sweep_timer_.cancel();
      close_all(1001, "going away");
    });
    std::unique_lock<std::mutex> lk(stop_m_);
    if (!stop_cv_.wait_for(lk, grace, [this] { return live_snapshot_ == 0; })) {
      lk.unlock();
      asio::post(io_, [this] { terminate_all(); });
      lk.lock();
      stop_cv_.wait_for(lk, std::chrono::seconds(1), [this] { return live_snapshot_ == 0; });
    }
  } catch (...) {
  }
  stopped_.store(true);
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  // The network thread is gone: drop what is left from here.
  for (auto& [raw, con] : live_) {
    auto& d = data(*con);
    if (d.session) d.session->stop();
    d.session.reset();
  }
  live_.clear();
  frames_.clear();
  frame_index_.clear();
}

void net_core::post(std::function<void()> fn) {
  if (stopped_.load()) return;
  asio::post(io_, std::move(fn));
}

void net_core::close_all(int code, const std::string& reason) {
  std::vector<ws_con_ptr> unfinished;  // still reading their request
  for (auto& [raw, con] : live_) {
    const auto state = con->get_state();
    if (state == websocketpp::session::state::open) {
      websocketpp::lib::error_code ec;
      con->close(static_cast<websocketpp::close::status::value>(code), reason, ec);
    } else if (state == websocketpp::session::state::connecting && !data(*con).deferred) {
      unfinished.push_back(con);
    }
  }
  for (auto& c : unfinished) c->terminate(websocketpp::lib::error_code());
}

void net_core::terminate_all() {
  std::vector<ws_con_ptr> all;
  all.reserve(live_.size());
  for (auto& kv : live_) all.push_back(kv.second);
  if (!all.empty()) {
    log(level::warn, "stop: dropping " + std::to_string(all.size()) + " connection(s)");
  }
  for (auto& c : all) c->terminate(websocketpp::lib::error_code());
}

// ---- connection handlers (network thread) -------------------------------------

void net_core::on_tcp_init(websocketpp::connection_hdl hdl) {
  ws_con_ptr c = con_of(hdl);
  if (!c) return;
  asio::error_code ec;
  c->get_raw_socket().set_option(asio::ip::tcp::no_delay(true), ec);
  auto& d = data(*c);
  d.tracked = true;
  live_.emplace(c.get(), c);
  publish_live_count();
  c->set_termination_handler([this](ws_con_ptr con) { on_terminated(con); });
}

void net_core::publish_live_count() {
  live_count_.store(live_.size());
  {
    std::lock_guard<std::mutex> lk(stop_m_);
    live_snapshot_ = live_.size();
  }
  stop_cv_.notify_all();
}

void net_core::on_terminated(const ws_con_ptr& c) {
  auto& d = data(*c);
  if (d.session) {
    d.session->stop();
    d.session.reset();
  }
  if (d.deferred) {
    d.deferred = false;
    --deferred_;
  }
  if (!d.address.empty()) {
    const auto it = ws_per_address_.find(d.address);
    if (it != ws_per_address_.end() && --it->second == 0) ws_per_address_.erase(it);
    d.address.clear();
  }
  if (d.tracked) {
    d.tracked = false;
    live_.erase(c.get());
    publish_live_count();
  }
}

bool net_core::on_validate(websocketpp::connection_hdl hdl) {
  ws_con_ptr c = con_of(hdl);
  if (!c) return false;
  auto reject = [&c](const http_response& r) {
    write_response(*c, r);
    return false;
  };
  if (stopping_.load()) return reject(error_response(errc::unavailable, "server is shutting down"));
  if (live_count_.load() > opts_.max_connections) {
    return reject(error_response(errc::unavailable, "too many connections"));
  }
  const http_request req = make_request(*c);
  if (req.header("sec-websocket-version") != "13") {
    http_response r = error_response(errc::invalid_parameter, bad_version_detail);
    r.headers.emplace_back("Sec-WebSocket-Version", "13");
    return reject(r);
  }
  const auto path_it = std::find(opts_.ws_paths.begin(), opts_.ws_paths.end(), req.path);
  if (path_it == opts_.ws_paths.end()) {
    return reject(error_response(errc::not_found, "no WebSocket endpoint at this path"));
  }
  if (opts_.max_connections_per_address != 0) {
    const auto it = ws_per_address_.find(req.remote_address);
    if (it != ws_per_address_.end() && it->second >= opts_.max_connections_per_address) {
      http_response r =
          error_response(errc::rate_limited, "too many WebSocket connections from this address");
      r.headers.emplace_back("Retry-After", "1");
      return reject(r);
    }
  }
  ws_query q;
  try {
    q = parse_ws_query(req.query);
  } catch (const error& e) {
    return reject(error_response(errc::invalid_parameter, e.what()));
  } catch (const std::exception& e) {
    return reject(error_response(errc::invalid_parameter, e.what()));
  }
  std::string principal;
  if (opts_.handshake_check) {
    try {
      if (auto refusal = opts_.handshake_check(req, *path_it, principal)) return reject(*refusal);
    } catch (const std::exception& e) {
      log(level::error, std::string("handshake check failed: ") + e.what());
      return reject(error_response(errc::internal, "handshake check failed"));
    }
  }
  q.session.backlog_limit = opts_.backlog_limit;
  auto& d = data(*c);
  d.pending = std::move(q.session);
  d.principal = std::move(principal);
  d.messages = token_bucket(opts_.message_rate, steady::now());
  if (!req.remote_address.empty()) {
    d.address = req.remote_address;
    ++ws_per_address_[d.address];
  }
  return true;
}

void net_core::on_http(websocketpp::connection_hdl hdl) {
  ws_con_ptr c = con_of(hdl);
  if (!c) return;
  auto& con = *c;
  auto answer_now = [&con](const http_response& r) { write_response(con, r); };

  if (stopping_.load())
    return answer_now(error_response(errc::unavailable, "server is shutting down"));
  if (live_count_.load() > opts_.max_connections) {
    return answer_now(error_response(errc::unavailable, "too many connections"));
  }
  const auto& req = con.get_request();
  // websocketpp reads no chunked body: refuse before any handler sees a
  // request whose body was not read.
  if (!req.get_header("Transfer-Encoding").empty()) {
    return answer_now(error_response(errc::length_required,
                                     "chunked bodies are not accepted; send Content-Length"));
  }
  const std::string& method = req.get_method();
  const std::string& length = req.get_header("Content-Length");
  if (method == "POST" || method == "PUT" || method == "PATCH") {
    if (length.empty()) {
      return answer_now(error_response(errc::length_required, "Content-Length is required"));
    }
  }
  if (!length.empty() && !all_digits(length)) {
    return answer_now(error_response(errc::invalid_parameter, "malformed Content-Length"));
  }
  if (!opts_.http_handler) return answer_now(error_response(errc::not_found, "not found"));

  http_request request = make_request(con);
  con.defer_http_response();
  data(con).deferred = true;
  ++deferred_;
  http_responder respond = make_responder(c);
  try {
    opts_.http_handler(request, respond);
  } catch (const std::exception& e) {
    log(level::error, std::string("http handler threw: ") + e.what());
    respond(error_response(errc::internal, "internal error"));
  } catch (...) {
    respond(error_response(errc::internal, "internal error"));
  }
}

void net_core::on_open(websocketpp::connection_hdl hdl) {
  ws_con_ptr c = con_of(hdl);
  if (!c) return;
  auto& d = data(*c);
  d.last_rx = steady::now();
  if (stopping_.load() || !d.pending) {
    websocketpp::lib::error_code ec;
    c->close(websocketpp::close::status::going_away, "going away", ec);
    return;
  }
  const session_options opts = std::move(*d.pending);
  d.pending.reset();
  auto s = std::make_shared<session>(
      ctx_, std::make_shared<ws_session>(weak_from_this(), std::weak_ptr<ws_connection>(c)),
      opts.backlog_limit);
  d.session = s;
  try {
    s->start(opts);
  } catch (const std::exception& e) {
    log(level::error, std::string("session start failed: ") + e.what());
    s->stop();
    d.session.reset();
    websocketpp::lib::error_code ec;
    c->close(websocketpp::close::status::internal_endpoint_error, "internal error", ec);
  }
}

void net_core::on_message(websocketpp::connection_hdl hdl, const ws_message_ptr& msg) {
  ws_con_ptr c = con_of(hdl);
  if (!c || !msg) return;
  auto& d = data(*c);
  d.last_rx = steady::now();
  if (!d.session || !admit_message(*c, d)) return;
  try {
    if (msg->get_opcode() == websocketpp::frame::opcode::text) {
      d.session->on_client_text(msg->get_payload());
    } else {
      d.session->on_client_binary();
    }
  } catch (const std::exception& e) {
    log(level::error, std::string("client message failed: ") + e.what());
  }
}

bool net_core::admit_message(ws_connection& c, ws_conn_data& d) {
  if (d.flood_closed) return false;
  const auto allowed = [&](const std::string& key) {
    return shared_messages_.limit().per_second <= 0 ||
           shared_messages_.acquire(key, d.last_rx) == steady::duration::zero();
  };
  if (d.messages.acquire(d.last_rx) == steady::duration::zero() &&
      (d.address.empty() || allowed("addr:" + d.address)) &&
      (d.principal.empty() || allowed("token:" + d.principal))) {
    d.flood_strikes = 0;
    return true;
  }
  websocketpp::lib::error_code ec;
  if (++d.flood_strikes > opts_.message_flood_warnings) {
    d.flood_closed = true;
    log(level::warn, "closing a WebSocket that kept flooding after rate_limited warnings");
    c.close(websocketpp::close::status::policy_violation, "rate limited", ec);
    return false;
  }
  c.send(encode_ws_error("rate_limited", "too many messages: slow down or the connection closes"),
         websocketpp::frame::opcode::text);
  return false;
}

void net_core::close_principal(const std::string& principal, int code, const std::string& reason) {
  post([this, principal, code, reason] {
    std::size_t n = 0;
    for (auto& [raw, con] : live_) {
      auto& d = data(*con);
      if (d.principal != principal || con->get_state() != websocketpp::session::state::open) {
        continue;
      }
      websocketpp::lib::error_code ec;
      con->close(static_cast<websocketpp::close::status::value>(code), reason, ec);
      ++n;
    }
    if (n != 0)
      log(level::info, "closed " + std::to_string(n) + " WebSocket(s) of a revoked credential");
  });
}

void net_core::on_pong(websocketpp::connection_hdl hdl) {
  if (auto c = con_of(hdl)) {
    auto& d = data(*c);
    d.last_rx = steady::now();
    d.ping_outstanding = false;
  }
}

void net_core::on_pong_timeout(websocketpp::connection_hdl hdl) {
  if (auto c = con_of(hdl)) {
    log(level::info, "closing a WebSocket that stopped answering pings");
    websocketpp::lib::error_code ec;
    c->close(websocketpp::close::status::going_away, "ping timeout", ec);
  }
}

// ---- periodic work --------------------------------------------------------------

void net_core::schedule_sweep() {
  sweep_timer_.expires_after(sweep_period);
  sweep_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopping_.load()) return;
    sweep();
    schedule_sweep();
  });
}

void net_core::sweep() {
  const auto now = steady::now();
  for (auto& [raw, con] : live_) {
    auto& d = data(*con);
    if (!d.session) continue;
    d.session->set_transport_backlog(con->get_buffered_amount());
    if (opts_.ping_interval.count() > 0 && !d.ping_outstanding &&
        now - d.last_rx >= opts_.ping_interval &&
        con->get_state() == websocketpp::session::state::open) {
      websocketpp::lib::error_code ec;
      con->ping("", ec);
      if (!ec) d.ping_outstanding = true;
    }
  }
  if (frames_since_sweep_ == 0) {
    frames_.clear();
    frame_index_.clear();
  }
  frames_since_sweep_ = 0;
}

ws_message_ptr net_core::frame(const event& e) {
  if (!e.json) return {};
  ++frames_since_sweep_;
  const auto it = frame_index_.find(e.json.get());
  if (it != frame_index_.end()) return it->second;
  ws_message_ptr in = msg_manager_->get_message(websocketpp::frame::opcode::text, e.json->size());
  ws_message_ptr out = msg_manager_->get_message();
  if (!in || !out) return {};
  in->append_payload(*e.json);
  if (framer_->prepare_data_frame(in, out)) return {};
  if (frames_.size() >= frame_cache_slots) {
    frame_index_.erase(frames_.front().json.get());
    frames_.pop_front();
  }
  frames_.push_back({e.json, out});
  frame_index_.emplace(e.json.get(), out);
  return out;
}

}  // namespace ws_detail

// ---- websocket_transport ----------------------------------------------------------

struct websocket_transport::impl {
  std::shared_ptr<ws_detail::net_core> core;
};

websocket_transport::websocket_transport(websocket_options options)
    : impl_(std::make_shared<impl>()) {
  impl_->core = std::make_shared<ws_detail::net_core>(std::move(options));
}

websocket_transport::~websocket_transport() { stop(); }

void websocket_transport::start(const transport_context& ctx) { impl_->core->start(ctx); }
void websocket_transport::stop() noexcept { impl_->core->stop(); }
void websocket_transport::stop_accepting() noexcept { impl_->core->stop_accepting(); }
void websocket_transport::close_principal(const std::string& principal, int code,
                                          const std::string& reason) {
  impl_->core->close_principal(principal, code, reason);
}
std::uint16_t websocket_transport::port() const noexcept { return impl_->core->port(); }
std::size_t websocket_transport::open_connections() const noexcept {
  return impl_->core->open_connections();
}

}  // namespace sensorhub

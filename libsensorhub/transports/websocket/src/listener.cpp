// The listener's lifecycle: binding, the network thread, the live set of
// connections and the stop handshake. With connection_handlers.cpp, the
// translation units that instantiate websocketpp's server templates.
#include "listener.hpp"

#include <chrono>
#include <exception>
#include <utility>
#include <vector>

#include "sensorhub/error.hpp"
#include "ws_session.hpp"

namespace sensorhub::ws_detail {

listener::listener(websocket_options o)
    : opts_(std::move(o)),
      flood_(opts_.message_rate, opts_.shared_message_rate, opts_.message_flood_warnings),
      pings_(opts_.ping_interval) {}

listener::~listener() = default;

ws_con_ptr listener::con_of(websocketpp::connection_hdl hdl) {
  websocketpp::lib::error_code ec;
  ws_con_ptr c = server_.get_con_from_hdl(std::move(hdl), ec);
  return ec ? ws_con_ptr{} : c;
}

void listener::start(const transport_context& ctx) {
  if (started_.exchange(true)) throw error(errc::internal, "websocket transport already started");
  ctx_ = ctx;
  if (!opts_.logger) opts_.logger = ctx.log;  // no logger of its own: the hub's
  configure_server();
  bind_handlers();
  framer_ = std::make_unique<ws_framer>(false, true, msg_manager_, rng_);
  listen();
  work_.emplace(asio::make_work_guard(io_));
  schedule_sweep();
  thread_ = std::thread([this] { run_network_thread(); });
}

void listener::configure_server() {
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
}

void listener::bind_handlers() {
  using websocketpp::connection_hdl;
  server_.set_tcp_pre_init_handler([this](connection_hdl h) { on_tcp_init(h); });
  server_.set_validate_handler([this](connection_hdl h) { return on_validate(h); });
  server_.set_http_handler([this](connection_hdl h) { on_http(h); });
  server_.set_open_handler([this](connection_hdl h) { on_open(h); });
  server_.set_message_handler([this](connection_hdl h, ws_message_ptr m) { on_message(h, m); });
  server_.set_ping_handler([this](connection_hdl h, std::string) {
    on_ping(h);
    return true;
  });
  server_.set_pong_handler([this](connection_hdl h, std::string) { on_pong(h); });
  server_.set_pong_timeout_handler([this](connection_hdl h, std::string) { on_pong_timeout(h); });
}

void listener::listen() {
  websocketpp::lib::error_code ec;
  server_.listen(opts_.host, std::to_string(opts_.port), ec);
  if (ec) {
    throw error(errc::internal, "cannot listen on " + opts_.host + ":" +
                                    std::to_string(opts_.port) + ": " + ec.message());
  }
  asio::error_code aec;
  port_.store(server_.get_local_endpoint(aec).port());
  server_.start_accept(ec);
  if (ec) throw error(errc::internal, "websocket: accept failed: " + ec.message());
}

void listener::run_network_thread() {
  for (;;) {
    try {
      io_.run();
      return;
    } catch (const std::exception& e) {
      log(log_level::error, std::string("network thread: ") + e.what());
    } catch (...) {
      log(log_level::error, "network thread: unknown exception");
    }
  }
}

void listener::stop_accepting() noexcept {
  if (!started_.load() || stopping_.exchange(true)) return;
  try {
    asio::post(io_, [this] {
      websocketpp::lib::error_code ec;
      if (server_.is_listening()) server_.stop_listening(ec);
    });
  } catch (...) {
  }
}

void listener::stop() noexcept {
  if (!started_.load() || stop_called_.exchange(true)) return;
  try {
    stop_accepting();
    asio::post(io_, [this] {
      websocketpp::lib::error_code ec;
      if (server_.is_listening()) server_.stop_listening(ec);
      sweep_timer_.cancel();
      close_all(1001, "going away");
    });
    wait_for_closes();
  } catch (...) {
  }
  stopped_.store(true);
  work_.reset();
  io_.stop();
  if (thread_.joinable()) thread_.join();
  drop_remaining();
}

// Waits up to stop_grace for every connection to end, then terminates the
// rest and waits a little more for their termination handlers.
void listener::wait_for_closes() {
  std::unique_lock<std::mutex> lk(stop_m_);
  if (stop_cv_.wait_for(lk, opts_.stop_grace, [this] { return live_snapshot_ == 0; })) return;
  lk.unlock();
  asio::post(io_, [this] { terminate_all(); });
  lk.lock();
  stop_cv_.wait_for(lk, std::chrono::seconds(1), [this] { return live_snapshot_ == 0; });
}

// The network thread is gone: drop what is left from here.
void listener::drop_remaining() {
  for (auto& [raw, con] : live_) {
    auto& d = data(*con);
    if (d.session) d.session->stop();
    d.session.reset();
  }
  live_.clear();
  frames_.clear();
}

void listener::post(std::function<void()> fn) {
  if (stopped_.load()) return;
  asio::post(io_, std::move(fn));
}

void listener::close_all(int code, const std::string& reason) {
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

void listener::terminate_all() {
  std::vector<ws_con_ptr> all;
  all.reserve(live_.size());
  for (auto& kv : live_) all.push_back(kv.second);
  if (!all.empty()) {
    log(log_level::warn, "stop: dropping " + std::to_string(all.size()) + " connection(s)");
  }
  for (auto& c : all) c->terminate(websocketpp::lib::error_code());
}

void listener::close_principal(const std::string& principal, int code, const std::string& reason) {
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
    if (n != 0) {
      log(log_level::info, "closed " + std::to_string(n) + " WebSocket(s) of a revoked credential");
    }
  });
}

void listener::on_tcp_init(websocketpp::connection_hdl hdl) {
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

void listener::publish_live_count() {
  live_count_.store(live_.size());
  {
    std::lock_guard<std::mutex> lk(stop_m_);
    live_snapshot_ = live_.size();
  }
  stop_cv_.notify_all();
}

void listener::on_terminated(const ws_con_ptr& c) {
  auto& d = data(*c);
  if (d.session) {
    d.session->stop();
    d.session.reset();
  }
  d.deferred = false;
  if (!d.address.empty()) {
    admission_.release(d.address);
    d.address.clear();
  }
  if (d.tracked) {
    d.tracked = false;
    live_.erase(c.get());
    publish_live_count();
  }
}

}  // namespace sensorhub::ws_detail

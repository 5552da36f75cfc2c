// SPDX-License-Identifier: MIT
// The transport's lifecycle: binding, the network threads, accepting and
// spreading connections over them, the stop handshake, and the policy
// pieces shared by every thread.
#include "net/server.hpp"

#include <algorithm>
#include <exception>
#include <thread>
#include <utility>

#include "net/conn.hpp"
#include "sensorhub/error.hpp"

namespace sensorhub::ws_detail {
namespace {

std::size_t thread_count(std::size_t wanted) {
  if (wanted != 0) return wanted;
  const unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : hw;
}

}  // namespace

server::server(websocket_options o)
    : opts_(std::move(o)),
      flood_(opts_.message_rate, opts_.shared_message_rate, opts_.message_flood_warnings),
      pings_(opts_.ping_interval) {}

server::~server() = default;

void server::start(const transport_context& ctx) {
  if (started_.load()) throw error(errc::internal, "websocket transport already started");
  if (!opts_.logger) opts_.logger = ctx.log;  // no logger of its own: the hub's
  // Before anything runs: a bad certificate leaves nothing to stop.
  if (!opts_.tls_cert_file.empty() || !opts_.tls_key_file.empty()) {
    if (opts_.tls_cert_file.empty() || opts_.tls_key_file.empty()) {
      throw error(errc::internal, "TLS needs both a certificate and a key file");
    }
    tls_ = std::make_unique<tls_holder>(opts_.tls_cert_file, opts_.tls_key_file);
    log(log_level::info, "TLS on: serving certificate " + opts_.tls_cert_file + " (" +
                             tls_->current()->description() + ")");
  }
  if (started_.exchange(true)) throw error(errc::internal, "websocket transport already started");
  ctx_ = std::make_shared<const transport_context>(ctx);
  const std::size_t n = thread_count(opts_.network_threads);
  for (std::size_t i = 0; i < n; ++i) shards_.push_back(std::make_shared<shard>(*this, i));
  listen();
  for (auto& s : shards_) s->start();
  asio::post(shards_[0]->io(), [this] { accept_next(); });
}

void server::listen() {
  asio::error_code ec;
  const auto address = asio::ip::make_address(opts_.host, ec);
  if (ec) throw error(errc::internal, "cannot listen on " + opts_.host + ": bad address");
  const asio::ip::tcp::endpoint ep(address, opts_.port);
  acceptor_.emplace(shards_[0]->io());
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw error(errc::internal, "cannot listen on " + opts_.host + ":" +
                                    std::to_string(opts_.port) + ": " + ec.message());
  }
  port_.store(acceptor_->local_endpoint(ec).port());
}

void server::accept_next() {
  if (!acceptor_ || !acceptor_->is_open()) return;
  const std::size_t target = next_shard_;
  next_shard_ = (next_shard_ + 1) % shards_.size();
  acceptor_->async_accept(shards_[target]->io(),
                          [this, target](const asio::error_code& ec, asio::ip::tcp::socket sock) {
                            on_accept(ec, std::move(sock), target);
                          });
}

void server::on_accept(const asio::error_code& ec, asio::ip::tcp::socket sock, std::size_t target) {
  if (ec == asio::error::operation_aborted || !acceptor_ || !acceptor_->is_open()) return;
  if (ec) {
    // Out of descriptors (EMFILE/ENFILE) or a transient error: wait a
    // little instead of spinning on a listener that stays readable.
    log(log_level::warn, "accept failed: " + ec.message());
    accept_retry_.emplace(shards_[0]->io());
    accept_retry_->expires_after(std::chrono::milliseconds(100));
    accept_retry_->async_wait([this](const asio::error_code& e) {
      if (!e) accept_next();
    });
    return;
  }
  live_count_.fetch_add(1);
  std::shared_ptr<conn> c;
  try {
    c = std::make_shared<conn>(*shards_[target], std::move(sock));
  } catch (const std::exception& e) {  // out of memory for its TLS session
    log(log_level::error, std::string("cannot take a connection: ") + e.what());
    connection_closed();
  }
  if (c) shards_[target]->post([c] { c->start(); });
  accept_next();
}

std::string server::reload_tls() {
  if (!tls_) throw error(errc::internal, "TLS is off: no certificate to reload");
  try {
    std::string text = tls_->reload();
    log(log_level::info, "TLS certificate reloaded: now serving " + opts_.tls_cert_file + " (" +
                             text + "); open connections keep theirs");
    return text;
  } catch (const std::exception& e) {
    log(log_level::error, std::string("TLS reload failed, still serving the previous "
                                      "certificate: ") +
                              e.what());
    throw;
  }
}

std::string server::tls_certificate() const {
  return tls_ ? tls_->current()->description() : std::string();
}

void server::stop_accepting() noexcept {
  if (!started_.load() || stopping_.exchange(true)) return;
  try {
    asio::post(shards_[0]->io(), [this] {
      asio::error_code ec;
      if (acceptor_) acceptor_->close(ec);
      if (accept_retry_) accept_retry_->cancel();
    });
  } catch (...) {
  }
}

void server::on_each_shard(void (*fn)(shard&)) {
  for (auto& s : shards_) {
    shard* raw = s.get();
    s->post([raw, fn] { fn(*raw); });
  }
}

void server::stop() noexcept {
  if (!started_.load() || stop_called_.exchange(true)) return;
  try {
    stop_accepting();
    on_each_shard([](shard& s) { s.for_each([](conn& c) { c.begin_shutdown(); }); });
    wait_for_closes();
  } catch (...) {
  }
  for (auto& s : shards_) s->stop_and_join();
  acceptor_.reset();
  accept_retry_.reset();
  std::lock_guard<std::mutex> lk(frames_m_);
  frames_.clear();
}

// Waits up to stop_grace for every connection to end, then closes the
// rest and waits a little more.
void server::wait_for_closes() {
  std::unique_lock<std::mutex> lk(stop_m_);
  if (stop_cv_.wait_for(lk, opts_.stop_grace, [this] { return live_count_.load() == 0; })) return;
  lk.unlock();
  log(log_level::warn, "stop: dropping " + std::to_string(live_count_.load()) + " connection(s)");
  on_each_shard([](shard& s) { s.for_each([](conn& c) { c.terminate(); }); });
  lk.lock();
  stop_cv_.wait_for(lk, std::chrono::seconds(1), [this] { return live_count_.load() == 0; });
}

void server::connection_closed() noexcept {
  if (live_count_.fetch_sub(1) == 1 && stopping_.load()) {
    std::lock_guard<std::mutex> lk(stop_m_);
    stop_cv_.notify_all();
  }
}

void server::close_principal(const std::string& principal, int code, const std::string& reason) {
  for (auto& s : shards_) {
    shard* raw = s.get();
    s->post([this, raw, principal, code, reason] {
      std::size_t n = 0;
      raw->for_each([&](conn& c) {
        if (!c.is_websocket() || c.principal() != principal) return;
        c.ws_shutdown(code, reason);
        ++n;
      });
      if (n != 0) {
        log(log_level::info,
            "closed " + std::to_string(n) + " WebSocket(s) of a revoked credential");
      }
    });
  }
}

std::optional<http_response> server::refuse_request() const {
  return admission_.refuse_request(stopping_.load(), live_count_.load());
}

upgrade_verdict server::check_upgrade(const http_request& req) {
  return admission_.check_upgrade(req);
}

bool server::count_websocket(const std::string& address) { return admission_.try_count(address); }

void server::release_websocket(const std::string& address) { admission_.release(address); }

flood_verdict server::judge_message(flood_state& s, const std::string& address,
                                    const std::string& principal, clock::time_point now) {
  return flood_.judge(s, address, principal, now);
}

std::size_t server::total_backlog() const noexcept {
  std::size_t sum = 0;
  for (const auto& s : shards_) sum += s->backlog_total();
  return sum;
}

std::size_t server::largest_backlog_except(const shard* self) const noexcept {
  std::size_t largest = 0;
  for (const auto& s : shards_) {
    if (s.get() != self) largest = std::max(largest, s->backlog_largest());
  }
  return largest;
}

out_queue::bytes server::event_frame(const std::shared_ptr<const std::string>& json) {
  std::lock_guard<std::mutex> lk(frames_m_);
  return frames_.get(json, [this](const std::string& text) { return maker_.text(text); });
}

void server::sweep_frames() {
  std::lock_guard<std::mutex> lk(frames_m_);
  frames_.sweep();
}

}  // namespace sensorhub::ws_detail

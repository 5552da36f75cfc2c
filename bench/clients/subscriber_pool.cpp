#include "clients/subscriber_pool.hpp"

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <asio/strand.hpp>
#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

#include "driver/clock.hpp"

namespace bench {

namespace {

// websocketpp's asio client with the transport timeouts (DNS, TCP connect,
// socket post-init: 5 s by default) raised to 60 s: on a loaded shared machine a
// subscriber must be reported as slow to connect, not fail at 5 s.
struct bench_client_config : public websocketpp::config::asio_client {
  using type = bench_client_config;
  using base = websocketpp::config::asio_client;
  using concurrency_type = base::concurrency_type;
  using request_type = base::request_type;
  using response_type = base::response_type;
  using message_type = base::message_type;
  using con_msg_manager_type = base::con_msg_manager_type;
  using endpoint_msg_manager_type = base::endpoint_msg_manager_type;
  using alog_type = base::alog_type;
  using elog_type = base::elog_type;
  using rng_type = base::rng_type;

  struct transport_config : public base::transport_config {
    using concurrency_type = type::concurrency_type;
    using alog_type = type::alog_type;
    using elog_type = type::elog_type;
    using request_type = type::request_type;
    using response_type = type::response_type;
    using socket_type = websocketpp::transport::asio::basic_socket::endpoint;
    static const long timeout_socket_post_init = 60000;
    static const long timeout_dns_resolve = 60000;
    static const long timeout_connect = 60000;
  };
  using transport_type = websocketpp::transport::asio::endpoint<transport_config>;
  static const long timeout_open_handshake = 60000;
};

using ws_client = websocketpp::client<bench_client_config>;

enum class sub_state : std::uint8_t { connecting, established, failed, closed };

}  // namespace

struct subscriber_pool::impl {
  pool_config config;
  message_handler handler;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  ws_client client;
  // client.connect() starts an async_resolve on the endpoint's one shared
  // resolver, which must not be used from two threads at once: with several
  // io threads all connects go through this strand.
  asio::strand<asio::io_context::executor_type> connect_strand{asio::make_strand(io)};
  std::vector<std::thread> threads;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<sub_state> states;
  std::vector<websocketpp::connection_hdl> handles;
  std::vector<std::uint8_t> opened;  // the WebSocket handshake completed
  std::size_t settled = 0;           // established or failed
  std::size_t established = 0;
  std::size_t failed = 0;
  std::size_t open = 0;
  bool closing = false;
  std::vector<std::string> failures;
  std::vector<disconnect_note> disconnects;

  impl(pool_config c, message_handler h) : config(std::move(c)), handler(std::move(h)) {
    client.clear_access_channels(websocketpp::log::alevel::all);
    client.clear_error_channels(websocketpp::log::elevel::all);
    client.init_asio(&io);
    client.set_close_handshake_timeout(5000);
    states.assign(config.count, sub_state::connecting);
    handles.resize(config.count);
    opened.assign(config.count, 0);
    work.emplace(asio::make_work_guard(io));
    for (unsigned i = 0; i < config.threads; ++i) {
      threads.emplace_back([this] { io.run(); });
    }
  }

  void settle(std::size_t i, sub_state to, const std::string& why) {
    std::lock_guard<std::mutex> lock(mu);
    if (states[i] != sub_state::connecting) {
      return;
    }
    states[i] = to;
    ++settled;
    if (to == sub_state::established) {
      ++established;
    } else {
      ++failed;
      if (failures.size() < 5) {
        failures.push_back("subscriber " + std::to_string(i) + ": " + why);
      }
    }
    cv.notify_all();
  }

  // Subscriber i is scoped when the running count of scoped ones steps up at i.
  const std::string& uri_of(std::size_t i) const {
    const double share = config.scoped_share;
    const auto before = static_cast<std::size_t>(static_cast<double>(i) * share);
    const auto upto = static_cast<std::size_t>(static_cast<double>(i + 1) * share);
    return upto > before ? config.scoped_uri : config.uri;
  }

  void open_one(std::size_t i) {
    std::error_code ec;
    ws_client::connection_ptr con = client.get_connection(uri_of(i), ec);
    if (ec) {
      settle(i, sub_state::failed, "get_connection: " + ec.message());
      return;
    }
    con->set_message_handler(
        [this, i](const websocketpp::connection_hdl&, const ws_client::message_ptr& msg) {
          const std::int64_t recv = now_ns();
          const ws_message m = parse_ws_message(msg->get_payload(), config.marker_prefix);
          if (m.kind == message_kind::connection_established) {
            settle(i, sub_state::established, {});
          }
          handler(i, m, recv);
        });
    con->set_open_handler([this, i](const websocketpp::connection_hdl&) {
      std::lock_guard<std::mutex> lock(mu);
      opened[i] = 1;
      ++open;
    });
    con->set_fail_handler([this, i](const websocketpp::connection_hdl& h) {
      std::error_code gec;
      auto c = client.get_con_from_hdl(h, gec);
      std::string why = gec ? gec.message() : c->get_ec().message();
      if (!gec && c->get_response_code() != 0) {
        why += " (HTTP " + std::to_string(static_cast<int>(c->get_response_code())) + " " +
               c->get_response().get_body().substr(0, 200) + ")";
      }
      settle(i, sub_state::failed, why);
    });
    con->set_close_handler([this, i](const websocketpp::connection_hdl& h) {
      std::error_code gec;
      auto c = client.get_con_from_hdl(h, gec);
      std::lock_guard<std::mutex> lock(mu);
      if (open > 0) {
        --open;
      }
      if (!closing) {
        disconnect_note note;
        note.subscriber = i;
        if (!gec) {
          note.code = static_cast<int>(c->get_remote_close_code());
          note.reason = c->get_remote_close_reason();
          if (note.reason.empty()) {
            note.reason = c->get_ec().message();
          }
        }
        disconnects.push_back(note);
      }
      if (states[i] == sub_state::connecting) {
        states[i] = sub_state::failed;
        ++settled;
        ++failed;
        if (failures.size() < 5) {
          failures.push_back("subscriber " + std::to_string(i) +
                             ": closed before connection_established");
        }
      }
      cv.notify_all();
    });
    {
      std::lock_guard<std::mutex> lock(mu);
      handles[i] = con->get_handle();
    }
    client.connect(con);
  }
};

subscriber_pool::subscriber_pool(pool_config config, message_handler handler)
    : impl_(std::make_unique<impl>(std::move(config), std::move(handler))) {}

subscriber_pool::~subscriber_pool() {
  try {
    shutdown();
  } catch (...) {
    // Destructors do not throw; the process is ending the run anyway.
  }
}

std::size_t subscriber_pool::connect_all() {
  impl& s = *impl_;
  for (std::size_t begin = 0; begin < s.config.count; begin += s.config.batch) {
    const std::size_t end = std::min(s.config.count, begin + s.config.batch);
    for (std::size_t i = begin; i < end; ++i) {
      asio::post(s.connect_strand, [&s, i] { s.open_one(i); });
    }
    std::unique_lock<std::mutex> lock(s.mu);
    const bool ok = s.cv.wait_for(lock, s.config.batch_timeout, [&] { return s.settled >= end; });
    if (!ok) {
      for (std::size_t i = begin; i < end; ++i) {
        if (s.states[i] != sub_state::connecting) {
          continue;
        }
        s.states[i] = sub_state::failed;
        ++s.settled;
        ++s.failed;
        if (s.failures.size() < 5) {
          s.failures.push_back(
              "subscriber " + std::to_string(i) +
              (s.opened[i] != 0
                   ? ": handshake completed but no connection_established within the batch timeout"
                   : ": WebSocket handshake not completed within the batch timeout"));
        }
      }
    }
  }
  std::lock_guard<std::mutex> lock(s.mu);
  return s.established;
}

std::vector<bool> subscriber_pool::established_mask() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  std::vector<bool> mask(impl_->states.size());
  for (std::size_t i = 0; i < mask.size(); ++i) {
    mask[i] = impl_->states[i] == sub_state::established;
  }
  return mask;
}

std::size_t subscriber_pool::failed() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->failed;
}

std::vector<std::string> subscriber_pool::failure_samples() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->failures;
}

std::vector<disconnect_note> subscriber_pool::disconnects() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->disconnects;
}

void subscriber_pool::shutdown() {
  impl& s = *impl_;
  if (s.threads.empty()) {
    return;
  }
  std::vector<websocketpp::connection_hdl> handles;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.closing = true;
    handles = s.handles;
  }
  for (const auto& h : handles) {
    asio::post(s.io, [&s, h] {
      std::error_code ec;
      s.client.close(h, websocketpp::close::status::normal, "bench done", ec);
    });
  }
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.cv.wait_for(lock, std::chrono::seconds(10), [&] { return s.open == 0; });
  }
  s.work.reset();
  s.io.stop();
  for (auto& t : s.threads) {
    t.join();
  }
  s.threads.clear();
}

}  // namespace bench

// SPDX-License-Identifier: MIT
#include "clients/subscriber_pool.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clients/socket_address.hpp"
#include "clients/ws_connection.hpp"
#include "clients/ws_wire.hpp"

namespace bench {

namespace {

// Shared view of a subscriber (under impl::mu).
enum class sub_state : std::uint8_t { connecting, established, failed, closed };

constexpr std::uint64_t wake_key = ~std::uint64_t{0};
constexpr std::size_t read_buffer_bytes = 256 * 1024;

// One client thread: its epoll set, the eventfd that wakes it and the
// commands the control thread leaves for it (under mu).
struct worker {
  int epfd = -1;
  int wakefd = -1;
  std::mutex mu;
  std::vector<std::size_t> to_open;
  bool close_all = false;
  bool stop = false;
  std::thread thread;

  ~worker() {
    if (epfd >= 0) ::close(epfd);
    if (wakefd >= 0) ::close(wakefd);
  }
  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] const auto n = ::write(wakefd, &one, sizeof one);
  }
};

}  // namespace

struct subscriber_pool::impl final : ws_connection_owner {
  pool_config config;
  message_handler handler;
  ws_scanner scanner;
  std::vector<ws_endpoint> plain;  // config.uri, or one per config.spread_uris
  ws_endpoint scoped;
  std::vector<std::string> plain_request;
  std::string scoped_request;
  std::vector<ws_connection> conns;
  std::vector<std::unique_ptr<worker>> workers;
  std::atomic<bool> closing{false};

  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<sub_state> states;
  std::vector<std::uint8_t> opened;  // the WebSocket handshake completed
  std::size_t settled = 0;           // established or failed
  std::size_t established = 0;
  std::size_t failed = 0;
  std::size_t open = 0;
  std::vector<std::string> failures;
  std::vector<disconnect_note> disconnects;

  impl(pool_config c, message_handler h)
      : config(std::move(c)), handler(std::move(h)), scanner(config.marker_prefix) {
    for (const std::string& u :
         config.spread_uris.empty() ? std::vector<std::string>{config.uri} : config.spread_uris) {
      plain.push_back(parse_ws_uri(u));
      plain_request.push_back(make_upgrade_request(plain.back().host_header, plain.back().target));
    }
    if (!config.scoped_uri.empty()) {
      scoped = parse_ws_uri(config.scoped_uri);
      scoped_request = make_upgrade_request(scoped.host_header, scoped.target);
    }
    conns.resize(config.count);
    states.assign(config.count, sub_state::connecting);
    opened.assign(config.count, 0);
    const unsigned n = std::max(1u, config.threads);
    for (unsigned t = 0; t < n; ++t) {
      auto w = std::make_unique<worker>();
      w->epfd = ::epoll_create1(EPOLL_CLOEXEC);
      w->wakefd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
      if (w->epfd < 0 || w->wakefd < 0) {
        throw std::runtime_error(std::string("epoll/eventfd: ") + std::strerror(errno));
      }
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = wake_key;
      ::epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &ev);
      workers.push_back(std::move(w));
    }
    for (std::size_t t = 0; t < workers.size(); ++t) {
      workers[t]->thread = std::thread([this, t] { run(t); });
    }
  }

  worker& owner_of(std::size_t i) { return *workers[i % workers.size()]; }

  // Where subscriber i connects, and the upgrade request it sends.
  const ws_endpoint& endpoint_of(std::size_t i) const {
    return is_scoped(i) ? scoped : plain[i % plain.size()];
  }
  const std::string& request_of(std::size_t i) const {
    return is_scoped(i) ? scoped_request : plain_request[i % plain_request.size()];
  }

  // Subscriber i is scoped when the running count of scoped ones steps up at i.
  bool is_scoped(std::size_t i) const {
    const double share = config.scoped_share;
    const auto before = static_cast<std::size_t>(static_cast<double>(i) * share);
    const auto upto = static_cast<std::size_t>(static_cast<double>(i + 1) * share);
    return upto > before && !config.scoped_uri.empty();
  }

  void settle(std::size_t i, sub_state to, const std::string& why) {
    std::lock_guard<std::mutex> lock(mu);
    if (states[i] != sub_state::connecting) return;
    states[i] = to;
    ++settled;
    if (to == sub_state::established) {
      ++established;
    } else {
      ++failed;
      if (failures.size() < 5) failures.push_back("subscriber " + std::to_string(i) + ": " + why);
    }
    cv.notify_all();
  }

  void run(std::size_t t) {
    worker& w = *workers[t];
    std::vector<char> buffer(read_buffer_bytes);
    std::vector<epoll_event> events(512);
    for (;;) {
      const int n = ::epoll_wait(w.epfd, events.data(), static_cast<int>(events.size()), -1);
      if (n < 0 && errno != EINTR) return;
      for (int k = 0; k < n; ++k) {
        const epoll_event& ev = events[static_cast<std::size_t>(k)];
        if (ev.data.u64 == wake_key) {
          if (!take_commands(t)) return;
          continue;
        }
        const auto i = static_cast<std::size_t>(ev.data.u64);
        conns[i].on_event(w.epfd, i, ev.events, buffer.data(), buffer.size(), request_of(i), *this);
      }
    }
  }

  // Returns false when the thread must stop (after closing its sockets).
  bool take_commands(std::size_t t) {
    worker& w = *workers[t];
    std::uint64_t count = 0;
    [[maybe_unused]] const auto r = ::read(w.wakefd, &count, sizeof count);
    std::vector<std::size_t> opens;
    bool close_all = false;
    bool stop = false;
    {
      std::lock_guard<std::mutex> lock(w.mu);
      opens.swap(w.to_open);
      std::swap(close_all, w.close_all);
      stop = w.stop;
    }
    for (const std::size_t i : opens) {
      const std::uint32_t source =
          config.source_addresses > 1
              ? 0x7f000001u + static_cast<std::uint32_t>(i % config.source_addresses)
              : 0;
      const std::string error = conns[i].open(w.epfd, i, endpoint_of(i).address, source);
      if (!error.empty()) settle(i, sub_state::failed, error);
    }
    for (std::size_t i = t; (close_all || stop) && i < conns.size(); i += workers.size()) {
      if (stop && conns[i].has_socket()) {
        conns[i].drop(i, 1006, "closed by the bench", false, *this);
      } else if (close_all) {
        conns[i].close_gracefully(i, *this);
      }
    }
    return !stop;
  }

  void on_open(std::size_t i) override {
    std::lock_guard<std::mutex> lock(mu);
    opened[i] = 1;
    ++open;
  }

  void on_text(std::size_t i, std::string_view payload, std::int64_t recv) override {
    const ws_message m = scanner.scan(payload);
    if (m.kind == message_kind::connection_established) settle(i, sub_state::established, {});
    handler(i, m, recv);
  }

  void on_closed(std::size_t i, int code, const std::string& reason, bool unexpected) override {
    std::lock_guard<std::mutex> lock(mu);
    if (opened[i] != 0) {
      if (open > 0) --open;
      if (unexpected && !closing.load()) disconnects.push_back({i, code, reason});
    }
    if (states[i] == sub_state::connecting) {
      states[i] = sub_state::failed;
      ++settled;
      ++failed;
      if (failures.size() < 5) {
        failures.push_back("subscriber " + std::to_string(i) + ": " +
                           (opened[i] != 0 ? "closed before connection_established: " : "") +
                           reason);
      }
    }
    opened[i] = 0;
    cv.notify_all();
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
    for (auto& w : s.workers) {
      std::lock_guard<std::mutex> lock(w->mu);
      for (std::size_t i = begin; i < end; ++i) {
        if (&s.owner_of(i) == w.get()) w->to_open.push_back(i);
      }
    }
    for (auto& w : s.workers) w->wake();
    std::unique_lock<std::mutex> lock(s.mu);
    const bool ok = s.cv.wait_for(lock, s.config.batch_timeout, [&] { return s.settled >= end; });
    if (ok) continue;
    for (std::size_t i = begin; i < end; ++i) {
      if (s.states[i] != sub_state::connecting) continue;
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

std::size_t subscriber_pool::established() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->established;
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
  if (s.workers.empty()) return;
  s.closing.store(true);
  for (auto& w : s.workers) {
    std::lock_guard<std::mutex> lock(w->mu);
    w->close_all = true;
  }
  for (auto& w : s.workers) w->wake();
  {
    std::unique_lock<std::mutex> lock(s.mu);
    s.cv.wait_for(lock, std::chrono::seconds(10), [&] { return s.open == 0; });
  }
  for (auto& w : s.workers) {
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->stop = true;
    }
    w->wake();
    w->thread.join();
  }
  s.workers.clear();
}

}  // namespace bench

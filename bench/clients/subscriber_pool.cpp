#include "clients/subscriber_pool.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clients/socket_address.hpp"
#include "clients/ws_wire.hpp"
#include "driver/clock.hpp"

namespace bench {

namespace {

// Shared view of a subscriber (under impl::mu).
enum class sub_state : std::uint8_t { connecting, established, failed, closed };
// Where a connection is; touched only by the thread that owns it.
enum class phase : std::uint8_t { idle, connecting, handshaking, open, closing, closed };

constexpr std::uint64_t wake_key = ~std::uint64_t{0};
constexpr std::size_t read_buffer_bytes = 256 * 1024;

struct connection {
  int fd = -1;
  phase ph = phase::idle;
  std::string in;        // a partial response head or frame, empty between frames
  std::string fragment;  // a fragmented text message being assembled (rare)
};

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

std::string errno_text(const char* what, int err) {
  return std::string(what) + ": " + std::strerror(err);
}

}  // namespace

struct subscriber_pool::impl {
  pool_config config;
  message_handler handler;
  ws_scanner scanner;
  ws_endpoint plain;
  ws_endpoint scoped;
  std::string plain_request;
  std::string scoped_request;
  std::vector<connection> conns;
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
    plain = parse_ws_uri(config.uri);
    plain_request = make_upgrade_request(plain.host_header, plain.target);
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
      if (w->epfd < 0 || w->wakefd < 0)
        throw std::runtime_error(errno_text("epoll/eventfd", errno));
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.u64 = wake_key;
      ::epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &ev);
      workers.push_back(std::move(w));
    }
    for (auto& w : workers) {
      worker* wp = w.get();
      w->thread = std::thread([this, wp] { run(*wp); });
    }
  }

  worker& owner(std::size_t i) { return *workers[i % workers.size()]; }

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

  void run(worker& w) {
    std::vector<char> buffer(read_buffer_bytes);
    std::vector<epoll_event> events(512);
    for (;;) {
      const int n = ::epoll_wait(w.epfd, events.data(), static_cast<int>(events.size()), -1);
      if (n < 0 && errno != EINTR) return;
      for (int k = 0; k < n; ++k) {
        const std::uint64_t key = events[static_cast<std::size_t>(k)].data.u64;
        if (key == wake_key) {
          if (!take_commands(w)) return;
          continue;
        }
        on_event(static_cast<std::size_t>(key), events[static_cast<std::size_t>(k)].events,
                 buffer.data());
      }
    }
  }

  // Returns false when the thread must stop (after closing its sockets).
  bool take_commands(worker& w) {
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
    for (const std::size_t i : opens) open_one(w, i);
    if (close_all || stop) {
      for (std::size_t i = index_of(w); i < conns.size(); i += workers.size()) {
        connection& c = conns[i];
        if (c.ph == phase::open && !stop) {
          const std::string f =
              make_client_frame(ws_opcode::close, close_payload(1000, "bench done"));
          [[maybe_unused]] const auto n = ::write(c.fd, f.data(), f.size());
          c.ph = phase::closing;
        } else if (c.fd >= 0 && (stop || c.ph != phase::closing)) {
          drop(i, 1006, "closed by the bench", false);
        }
      }
    }
    return !stop;
  }

  std::size_t index_of(const worker& w) const {
    for (std::size_t t = 0; t < workers.size(); ++t)
      if (workers[t].get() == &w) return t;
    return 0;
  }

  void open_one(worker& w, std::size_t i) {
    connection& c = conns[i];
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      settle(i, sub_state::failed, errno_text("socket", errno));
      return;
    }
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (config.source_addresses > 1) {
      ::setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
      sockaddr_in src{};
      src.sin_family = AF_INET;
      src.sin_addr.s_addr =
          htonl(0x7f000001u + static_cast<std::uint32_t>(i % config.source_addresses));
      if (::bind(fd, reinterpret_cast<const sockaddr*>(&src), sizeof src) != 0) {
        const int err = errno;
        ::close(fd);
        settle(i, sub_state::failed, errno_text("bind", err));
        return;
      }
    }
    const ws_endpoint& to = is_scoped(i) ? scoped : plain;
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&to.address), sizeof to.address) != 0 &&
        errno != EINPROGRESS) {
      const int err = errno;
      ::close(fd);
      settle(i, sub_state::failed, errno_text("connect", err));
      return;
    }
    c.fd = fd;
    c.ph = phase::connecting;
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.u64 = i;
    ::epoll_ctl(w.epfd, EPOLL_CTL_ADD, fd, &ev);
  }

  void on_event(std::size_t i, std::uint32_t events, char* buffer) {
    connection& c = conns[i];
    if (c.fd < 0) return;
    if (c.ph == phase::connecting) {
      on_connected(i, c);
      return;
    }
    if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) on_readable(i, c, buffer);
  }

  void on_connected(std::size_t i, connection& c) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      drop(i, 1006, errno_text("connect", err), false);
      return;
    }
    const std::string& request = is_scoped(i) ? scoped_request : plain_request;
    if (::write(c.fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
      drop(i, 1006, "short write of the upgrade request", false);
      return;
    }
    c.ph = phase::handshaking;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = i;
    ::epoll_ctl(owner(i).epfd, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void on_readable(std::size_t i, connection& c, char* buffer) {
    const ssize_t n = ::read(c.fd, buffer, read_buffer_bytes);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
      drop(i, 1006, n == 0 ? "connection closed without a close frame" : errno_text("read", errno),
           c.ph != phase::closing);
      return;
    }
    if (n < 0) return;
    const std::int64_t recv = now_ns();
    std::string_view data(buffer, static_cast<std::size_t>(n));
    if (!c.in.empty()) {
      c.in.append(buffer, static_cast<std::size_t>(n));
      data = c.in;
    }
    const std::size_t used = consume(i, c, data, recv);
    if (c.fd < 0) return;  // closed while consuming
    if (used == data.size()) {
      c.in.clear();
      if (c.in.capacity() > 64 * 1024) c.in.shrink_to_fit();
    } else if (data.data() == c.in.data()) {
      c.in.erase(0, used);
    } else {
      c.in.assign(data.data() + used, data.size() - used);
    }
  }

  // Handles the response head and every complete frame; returns bytes used.
  std::size_t consume(std::size_t i, connection& c, std::string_view data, std::int64_t recv) {
    std::size_t used = 0;
    if (c.ph == phase::handshaking) {
      const handshake_result h = check_upgrade_response(data);
      if (h.status == handshake_status::incomplete) return 0;
      if (h.status == handshake_status::rejected) {
        drop(i, 1006, "handshake: " + h.error, false);
        return 0;
      }
      c.ph = phase::open;
      used = h.consumed;
      std::lock_guard<std::mutex> lock(mu);
      opened[i] = 1;
      ++open;
    }
    while (c.fd >= 0 && used < data.size()) {
      ws_frame f;
      const std::size_t size = next_frame(data.substr(used), f);
      if (size == frame_incomplete) break;
      if (size == frame_invalid) {
        drop(i, 1002, "invalid frame from the server", true);
        break;
      }
      used += size;
      on_frame(i, c, f, recv);
    }
    return used;
  }

  void on_frame(std::size_t i, connection& c, const ws_frame& f, std::int64_t recv) {
    switch (f.opcode) {
      case ws_opcode::text:
        if (f.fin) {
          on_text(i, f.payload, recv);
        } else {
          c.fragment.assign(f.payload);
        }
        break;
      case ws_opcode::continuation:
        c.fragment.append(f.payload);
        if (f.fin) {
          const std::string whole = std::move(c.fragment);
          c.fragment.clear();
          on_text(i, whole, recv);
        }
        break;
      case ws_opcode::ping: {
        const std::string pong = make_client_frame(ws_opcode::pong, f.payload);
        [[maybe_unused]] const auto n = ::write(c.fd, pong.data(), pong.size());
        break;
      }
      case ws_opcode::close: {
        int code = 1005;
        if (f.payload.size() >= 2) {
          code = (static_cast<unsigned char>(f.payload[0]) << 8) |
                 static_cast<unsigned char>(f.payload[1]);
        }
        const std::string reason(f.payload.size() > 2 ? f.payload.substr(2) : std::string_view{});
        if (c.ph == phase::open) {  // echo the close, as RFC 6455 asks
          const std::string echo = make_client_frame(
              ws_opcode::close, f.payload.substr(0, std::min<std::size_t>(2, f.payload.size())));
          [[maybe_unused]] const auto n = ::write(c.fd, echo.data(), echo.size());
        }
        drop(i, code, reason, c.ph != phase::closing);
        break;
      }
      default:
        break;  // binary and pong frames carry nothing the bench needs
    }
  }

  void on_text(std::size_t i, std::string_view payload, std::int64_t recv) {
    const ws_message m = scanner.scan(payload);
    if (m.kind == message_kind::connection_established) settle(i, sub_state::established, {});
    handler(i, m, recv);
  }

  // Closes subscriber i's socket; `unexpected` records a disconnect note.
  void drop(std::size_t i, int code, const std::string& reason, bool unexpected) {
    connection& c = conns[i];
    ::close(c.fd);  // also leaves the epoll set
    c.fd = -1;
    c.ph = phase::closed;
    std::string().swap(c.in);
    std::string().swap(c.fragment);
    std::lock_guard<std::mutex> lock(mu);
    if (opened[i] != 0) {
      opened[i] = 2;  // was open, now closed
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
        if (&s.owner(i) == w.get()) w->to_open.push_back(i);
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

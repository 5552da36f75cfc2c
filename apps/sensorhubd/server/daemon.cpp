// SPDX-License-Identifier: MIT
#include "server/daemon.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "auth/auth.hpp"
#include "config/config.hpp"
#include "http/http_front.hpp"
#include "obs/log.hpp"
#include "http/router.hpp"
#include "obs/metrics.hpp"
#include "rest/rest_handlers.hpp"
#include "rest/routes.hpp"
#include "sensorhub/hub.hpp"
#include "sensorhub/transports/sse.hpp"
#include "sensorhub/transports/websocket.hpp"
#include "sensorhub/version.hpp"

namespace sensorhubd {

namespace {

constexpr int shutdown_deadline_s = 10;

log_level parse_level(const std::string& l) {
  if (l == "debug") return log_level::debug;
  if (l == "warn") return log_level::warn;
  if (l == "error") return log_level::error;
  return log_level::info;
}

// Many WebSocket subscribers need many descriptors: use the hard limit.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// SPEC §12: a node's default name, "<host name>:<port>" ("pid<n>" for
// --port 0, whose port is not known before the hub starts).
std::string default_node_name(std::uint16_t port) {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0')
    std::snprintf(host, sizeof host, "localhost");
  return std::string(host) + ":" +
         (port != 0 ? std::to_string(port) : "pid" + std::to_string(::getpid()));
}

std::string url_host(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

sensorhub::websocket_options transport_options(const daemon_config& cfg, http_front& front,
                                               security& guard) {
  sensorhub::websocket_options o;
  o.host = cfg.host;
  o.port = cfg.port;
  o.max_message_size = cfg.limits.max_message_bytes;
  o.max_http_body_size = std::max(cfg.limits.max_body_bytes, cfg.limits.max_batch_body_bytes);
  o.max_connections = cfg.limits.max_connections;
  o.backlog_limit = cfg.limits.backlog_bytes;
  o.total_backlog_limit = cfg.limits.total_backlog_bytes;
  o.ping_interval = cfg.limits.ping_interval;
  o.pong_timeout = cfg.limits.pong_timeout;
  o.max_connections_per_address = cfg.limits.max_connections_per_address;
  o.idle_timeout = cfg.limits.idle_timeout;
  o.max_header_bytes = cfg.limits.max_header_bytes;
  o.handshake_timeout = cfg.limits.header_timeout;
  o.max_buffered_body_bytes = cfg.limits.max_buffered_body_bytes;
  o.network_threads = cfg.network_threads;
  o.tls_cert_file = cfg.tls_cert;
  o.tls_key_file = cfg.tls_key;
  if (!cfg.no_auth) {
    o.message_rate = {cfg.limits.message_rate_per_s, cfg.limits.message_burst};
    o.shared_message_rate = {cfg.limits.shared_message_rate_per_s, cfg.limits.shared_message_burst};
  } else {
    o.message_rate = {};  // --no-auth: no rate limits
    o.shared_message_rate = {};
  }
  o.message_flood_warnings = cfg.limits.message_flood_warnings;
  o.handshake_check = [&guard](const sensorhub::http_request& req, std::string_view path,
                               std::string& principal, sensorhub::session_options& session) {
    // The token's data scope is ANDed into everything the session does.
    return guard.check_ws(req, path, principal, session.scope);
  };
  o.http_head_check = [&front](sensorhub::http_request& head, std::size_t& max_body) {
    return front.check_head(head, max_body);
  };
  o.http_handler = [&front](const sensorhub::http_request& req, sensorhub::http_responder respond) {
    front.handle(req, std::move(respond));
  };
  o.logger = [](log_level level, std::string_view msg) {
    log(level, msg, {{"component", "websocket"}});
  };
  return o;
}

std::atomic<bool> shutdown_done{false};

// After the first signal: a second one, or a shutdown that overruns its
// deadline, ends the process at once.
void start_watchdog(sigset_t signals) {
  std::thread([signals] {
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(shutdown_deadline_s);
    for (;;) {
      const auto left = deadline - std::chrono::steady_clock::now();
      if (left <= std::chrono::steady_clock::duration::zero()) break;
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
      timespec wait{static_cast<time_t>(ns / 1000000000), static_cast<long>(ns % 1000000000)};
      siginfo_t info{};
      if (sigtimedwait(&signals, &info, &wait) > 0) {
        if (shutdown_done.load()) return;
        log(log_level::warn, "second signal: exiting without finishing the shutdown");
        _exit(130);
      }
      // EINTR (e.g. a debugger or sanitizer stopping threads) or EAGAIN: re-check the clock.
    }
    if (shutdown_done.load()) return;
    log(log_level::error, "shutdown overran its deadline: exiting");
    _exit(1);
  }).detach();
}

// SIGHUP: the TLS certificate and key are loaded again (the transport logs
// what it serves now, or why the old pair stays).
void on_sighup(const daemon_config& cfg, sensorhub::websocket_transport& ws) {
  if (cfg.tls_cert.empty()) {
    log(log_level::info, "SIGHUP: nothing to reload (TLS is off)");
    return;
  }
  try {
    ws.reload_tls();
  } catch (const std::exception&) {  // logged by the transport; the old certificate stays
  }
}

int run(const daemon_config& cfg, sigset_t signals) {
  if (cfg.no_auth) {
    log(log_level::warn,
        "AUTHENTICATION IS OFF (--no-auth): every client may read and write, no token is "
        "checked and no rate limit applies; use this for local development only");
  } else {
    log(log_level::info, "authentication on: tokens required per SPEC section 7",
        {{"public_ws", cfg.auth.no_public_ws ? "token required" : "open"},
         {"test_endpoints", cfg.test_endpoints ? "open (--test-endpoints)" : "off"},
         {"origin_allow_list", cfg.auth.allowed_origins.empty() ? "off" : "on"}});
  }

  sensorhub::hub_options ho;
  if (sensorhub::is_postgres_uri(cfg.db)) {
    ho.postgres.uri = cfg.db;
    ho.postgres.read_connections = static_cast<int>(std::max<std::size_t>(cfg.workers, 4));
    ho.node = cfg.node.empty() ? default_node_name(cfg.port) : cfg.node;
  } else {
    ho.storage.path = cfg.db;
    ho.node = cfg.node;
  }
  ho.workers = cfg.workers;
  ho.publish_async = true;  // a write is answered once committed, not after its fan-out
  ho.storage.synchronous =
      cfg.storage.synchronous_full ? sensorhub::sync_mode::full : sensorhub::sync_mode::normal;
  ho.retention.max_events = cfg.storage.retention_events;
  ho.retention.max_age = cfg.storage.retention_age;
  ho.readings_retention.raw_age = cfg.storage.readings_retention;
  ho.readings_retention.rollup_age = cfg.storage.rollup_retention;
  ho.prune_interval = cfg.storage.prune_interval;
  ho.staleness = cfg.staleness;
  ho.logger = [](log_level level, std::string_view msg) {
    log(level, msg, {{"component", "core"}});
  };
  sensorhub::hub hub(ho);

  metrics counters;
  router routes;
  app a{hub, counters, cfg};
  security guard(cfg);  // opens the tokens table (sensorhub::auth creates it if needed)
  // Server-Sent Events ride on the WebSocket transport's HTTP front: added
  // first, so that on stop its streams get server_stopping and end while
  // that front still carries them.
  sensorhub::sse_options so;
  so.backlog_limit = cfg.limits.backlog_bytes;
  so.keepalive_interval = cfg.limits.sse_keepalive;
  auto sse = std::make_shared<sensorhub::sse_transport>(so);
  add_all_routes(routes, a, guard, *sse);
  http_front front(routes, counters, guard, cfg.limits.max_body_bytes);

  auto ws = std::make_shared<sensorhub::websocket_transport>(transport_options(cfg, front, guard));
  hub.add_transport(sse);
  hub.add_transport(ws);
  hub.start();  // binds; throws when the port is taken
  std::weak_ptr<sensorhub::websocket_transport> weak_ws = ws;
  std::weak_ptr<sensorhub::sse_transport> weak_sse = sse;
  guard.start([weak_ws, weak_sse](const std::string& principal) {
    if (auto t = weak_ws.lock()) t->close_principal(principal, 1008, "token revoked");
    if (auto t = weak_sse.lock()) t->close_principal(principal);
  });

  const char* scheme = cfg.tls_cert.empty() ? "http" : "https";
  std::printf("listening on %s://%s:%u\n", scheme, url_host(cfg.host).c_str(),
              static_cast<unsigned>(ws->port()));
  std::fflush(stdout);
  const std::string port = std::to_string(ws->port());
  log(log_level::info, "sensorhubd started",
      {{"version", SENSORHUB_VERSION},
       {"host", cfg.host},
       {"port", port},
       {"db", cfg.db},
       {"tls", cfg.tls_cert.empty() ? "off" : ws->tls_certificate()},
       {"test_endpoints", cfg.test_endpoints ? "true" : "false"}});

  sigset_t waited = signals;
  sigaddset(&waited, SIGHUP);
  int sig = 0;
  for (;;) {
    if (sigwait(&waited, &sig) != 0) continue;
    if (sig != SIGHUP) break;
    on_sighup(cfg, *ws);
  }
  log(log_level::info, "shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  start_watchdog(signals);

  front.begin_shutdown();  // new requests: 503
  ws->stop_accepting();
  hub.stop();  // server_stopping, WebSockets closed with 1001, workers drained
  guard.stop();
  log(log_level::info, "sensorhubd stopped");
  return 0;
}

}  // namespace

int serve(const daemon_config& cfg) {
  set_min_log_level(parse_level(cfg.log_level));
  raise_fd_limit();

  // SIGINT/SIGTERM (and SIGHUP: reload) are blocked in every thread and
  // taken by sigwait in run().
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigset_t blocked = signals;
  sigaddset(&blocked, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  try {
    const int rc = run(cfg, signals);
    shutdown_done.store(true);  // from here on only exit handlers (and LSan) run
    return rc;
  } catch (const std::exception& e) {
    log(log_level::error, "sensorhubd failed", {{"error", e.what()}});
    return 1;
  }
}

}  // namespace sensorhubd

// SPDX-License-Identifier: MIT
#include <atomic>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <stdexcept>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "json_args.hpp"
#include "sensorhub/client/client.hpp"

namespace sensorhub::cli {

namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void on_signal(int) { g_interrupted.store(true); }

}  // namespace

int run_watch(const watch_args& a) {
  client::client_options o;
  o.url = a.url;
  o.channels = a.channels;
  for (const auto& f : a.filters) {
    const auto eq = f.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::cerr << "sensorhub-cli: --filter '" << f << "': expected KEY=VALUE\n";
      return exit_usage;
    }
    o.filters.emplace_back(f.substr(0, eq), f.substr(eq + 1));
  }
  o.since = a.since;
  o.snapshot = a.snapshot;
  o.conflate = a.conflate;
  o.token = a.token;
  o.tls_ca_file = a.ca_file;
  o.tls_verify_peer = !a.insecure;
  o.queue_capacity = 4096;
  o.retry_initial_connect = false;  // an unreachable daemon is exit 3, not a silent wait
  o.backoff.initial = std::chrono::milliseconds(100);
  o.backoff.max = std::chrono::milliseconds(2000);

  std::unique_ptr<client::client> c;
  try {
    c = std::make_unique<client::client>(o);
  } catch (const std::invalid_argument& e) {
    std::cerr << "sensorhub-cli: " << e.what() << "\n";
    return exit_usage;
  }
  const bool quiet = a.quiet;
  c->on_state([quiet](client::connection_state s) {
    if (!quiet) std::cerr << "sensorhub-cli: " << client::to_string(s) << "\n";
  });
  c->on_error([quiet](const client::client_error& e) {
    if (!quiet)
      std::cerr << "sensorhub-cli: " << client::to_string(e.kind) << ": " << e.message << "\n";
  });

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGPIPE, SIG_IGN);
  c->start();
  std::uint64_t printed = 0;
  while (!g_interrupted.load()) {
    auto ev = c->next_event(std::chrono::milliseconds(200));
    if (!ev) {
      if (c->state() == client::connection_state::stopped) break;
      continue;
    }
    const std::string text = a.pretty ? pretty_json(ev->json) : ev->json;
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    if (std::fflush(stdout) != 0) break;  // the reader went away
    if (a.count != 0 && ++printed >= a.count) break;
  }
  const bool by_request = g_interrupted.load() || (a.count != 0 && printed >= a.count);
  c->stop();
  if (by_request) return exit_ok;
  const auto err = c->stop_error();
  if (!err) return exit_ok;
  std::cerr << "sensorhub-cli: stopped: " << client::to_string(err->kind) << ": " << err->message
            << "\n";
  return err->kind == client::error_kind::connect_failed ? exit_cannot_connect : exit_failed;
}

}  // namespace sensorhub::cli

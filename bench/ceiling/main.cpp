// SPDX-License-Identifier: MIT
// sensorhub_ceiling: the fastest simple server of the bench's wire, as a
// ceiling to measure sensorhubd against (docs/performance.md). N threads,
// one io_context each; no persistence, no auth, no filters.
#include <sys/resource.h>

#include <cstdio>
#include <exception>
#include <iostream>
#include <thread>
#include <vector>

#include <asio/ip/address.hpp>
#include <asio/signal_set.hpp>

#include "ceiling/acceptor.hpp"
#include "ceiling/hub.hpp"
#include "ceiling/options.hpp"
#include "sensorhub/version.hpp"

namespace {

void raise_open_files_limit() {
  rlimit l{};
  if (::getrlimit(RLIMIT_NOFILE, &l) == 0 && l.rlim_cur < l.rlim_max) {
    l.rlim_cur = l.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &l);
  }
}

int run(const ceiling::options& o) {
  raise_open_files_limit();
  ceiling::hub server(o.threads);
  asio::io_context& first = server.workers().front()->io();
  ceiling::acceptor listener(server, {asio::ip::make_address(o.host), o.port});
  const auto at = listener.local_endpoint();
  const std::string host =
      at.address().is_v6() ? "[" + at.address().to_string() + "]" : at.address().to_string();
  std::printf("listening on http://%s:%u\n", host.c_str(), static_cast<unsigned>(at.port()));
  std::fflush(stdout);
  listener.start();

  asio::signal_set signals(first, SIGINT, SIGTERM);
  signals.async_wait([&server](const asio::error_code&, int) {
    for (auto& w : server.workers()) w->io().stop();
  });
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < server.workers().size(); ++i) {
    threads.emplace_back([&server, i] {
      auto guard = asio::make_work_guard(server.workers()[i]->io());
      server.workers()[i]->io().run();
    });
  }
  first.run();
  for (auto& t : threads) t.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto o = ceiling::parse_options(argc, argv);
    if (o.help) {
      std::fputs(ceiling::usage_text(), stdout);
      return 0;
    }
    if (o.version) {
      std::printf("sensorhub_ceiling %s\n", SENSORHUB_VERSION);
      return 0;
    }
    return run(o);
  } catch (const std::exception& e) {
    std::cerr << "sensorhub_ceiling: " << e.what() << '\n';
    return 2;
  }
}

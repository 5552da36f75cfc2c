// SPDX-License-Identifier: MIT
// Links sensorhub::client from an installed package and runs it against a
// port where nothing listens, over ws:// and over wss:// (OpenSSL linked
// through the package): the client must stop by itself with connect_failed
// (retry_initial_connect = false).
#include <sensorhub/client/client.hpp>

#include <chrono>
#include <cstdio>
#include <thread>

static int check(const char* url) {
  sensorhub::client::client_options o;
  o.url = url;
  o.channels = {"sensors"};
  o.retry_initial_connect = false;
  o.queue_capacity = 16;
  sensorhub::client::client c(o);
  c.start();
  // next_event returns nullopt at once when the client has stopped; up to
  // 30 s for the refused connect (a loaded machine).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (c.state() != sensorhub::client::connection_state::stopped &&
         std::chrono::steady_clock::now() < deadline) {
    if (!c.next_event(std::chrono::milliseconds(100)))
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto err = c.stop_error();
  if (c.state() != sensorhub::client::connection_state::stopped || !err ||
      err->kind != sensorhub::client::error_kind::connect_failed) {
    std::fprintf(stderr, "client did not stop with connect_failed (state %s)\n",
                 sensorhub::client::to_string(c.state()));
    return 1;
  }
  std::printf("client consumer ok (%s): %s\n", url, err->message.c_str());
  return 0;
}

int main() { return check("http://127.0.0.1:1") + check("wss://127.0.0.1:1"); }

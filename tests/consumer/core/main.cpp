// SPDX-License-Identifier: MIT
// Links the library the way an embedder does and checks one event arrives.
#include <sensorhub/hub.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>

int main() {
  sensorhub::hub_options options;
  options.storage.path = ":memory:";
  sensorhub::hub hub{options};
  std::atomic<int> events{0};
  auto sub = hub.subscribe(sensorhub::channel::sensors,
                           [&](const sensorhub::event&) { events.fetch_add(1); });
  sensorhub::sensor_patch p;
  p.tipo = "temperatura";
  p.modelo = "DHT22";
  hub.sensors().create(p);
  for (int i = 0; i < 1000 && events.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::printf("events: %d\n", events.load());
  return events.load() == 1 ? 0 : 1;
}

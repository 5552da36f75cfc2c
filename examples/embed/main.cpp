// SPDX-License-Identifier: MIT
// Embedding sensorhub: a hub on an in-memory database, a callback on the
// "sensors" channel, and a sensor created, updated and deleted. Prints the
// three events exactly as they go over the wire (SPEC §3), one per line.
#include <cstdio>
#include <exception>
#include <memory>

#include "sensorhub/subscribers/callback_subscriber.hpp"
#include "sensorhub/hub.hpp"

int main() {
  try {
    sensorhub::hub_options options;
    options.storage.path = ":memory:";
    sensorhub::hub hub{options};

    // A callback_subscriber runs the callback on its own thread; flush()
    // waits for it. (hub::subscribe does the same in one line.)
    auto printer = std::make_shared<sensorhub::callback_subscriber>(
        [](const sensorhub::event& e) { std::printf("%s\n", e.json->c_str()); });
    auto subscription = hub.bus().subscribe(sensorhub::channel::sensors, printer);

    sensorhub::sensor_patch create;
    create.tipo = "temperatura";
    create.modelo = "DHT22";
    const sensorhub::sensor s = hub.sensors().create(create);

    sensorhub::sensor_patch update;
    update.modelo = "DHT11";
    hub.sensors().update(s.id, update);

    hub.sensors().remove(s.id);

    printer->flush();
    std::fflush(stdout);
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "embed_example: %s\n", e.what());
    return 1;
  }
}

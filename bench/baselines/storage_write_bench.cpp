// SPDX-License-Identifier: MIT
// storage_write_bench: what the storage layer alone sustains for REST-style
// creates (issue 9, group commit): T threads call sensor_service::create on
// one sqlite_repository (a real file, the daemon's pragmas) until W creates
// are done, with no network in the way. Prints one line:
//   storage_write_bench threads=T writes=W seconds=S writes_per_s=R transactions=X
// Flags: --threads T (32) --writes W (20000) --db PATH --synchronous normal|full
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "sensorhub/sensor_service.hpp"
#include "sensorhub/sqlite_repository.hpp"
#include "sensorhub/version.hpp"

int main(int argc, char** argv) {
  int threads = 32;
  long writes = 20000;
  sensorhub::sqlite_options o;
  o.path = "storage_write_bench.db";
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("sensorhub_storage_write_bench %s\n", SENSORHUB_VERSION);
    return 0;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--threads") == 0) {
      threads = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--writes") == 0) {
      writes = std::atol(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--db") == 0) {
      o.path = argv[i + 1];
    } else if (std::strcmp(argv[i], "--synchronous") == 0) {
      o.synchronous = std::strcmp(argv[i + 1], "full") == 0 ? sensorhub::sync_mode::full
                                                            : sensorhub::sync_mode::normal;
    } else {
      std::fprintf(stderr, "unknown flag %s\n", argv[i]);
      return 2;
    }
  }
  if (threads <= 0 || writes <= 0) return 2;
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((o.path + suffix).c_str());
  sensorhub::sqlite_repository repo(o);
  sensorhub::sensor_service sensors(repo);
  std::atomic<long> next{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      sensorhub::sensor_patch p;
      p.tipo = "temperatura";
      p.modelo = "DHT22";
      p.ubicacion = std::optional<std::string>("lab");
      while (next.fetch_add(1) < writes) sensors.create(p);
    });
  }
  for (auto& t : pool) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "storage_write_bench threads=%d writes=%ld seconds=%.3f writes_per_s=%.0f "
      "transactions=%llu\n",
      threads, writes, s, static_cast<double>(writes) / s,
      static_cast<unsigned long long>(repo.write_stats().transactions));
  return 0;
}

// SPDX-License-Identifier: MIT
// agg_bench: what GET /lecturas/agg costs in the storage layer (SPEC §13),
// in-process on a real SQLite file with the daemon's schema. One sensor gets
// one reading a minute for a year; then, for spans of 1 day, 7 days and
// 1 year ending at the newest reading, it times
//   - aggregate_readings at each bucket size (1m 5m 15m 1h 1d; a span of
//     more than 10,000 buckets is what the REST API answers with 422: "-"),
//   - listing the raw rows of the span (list_readings, every row),
// and then the same 1h / 1d aggregates after a retention pass that keeps
// 7 days raw and folds the rest into hourly rollups. Median of --runs runs,
// milliseconds. Flags: --db PATH (agg_bench.db, recreated) --runs N (5).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "sensorhub/sqlite_repository.hpp"
#include "sensorhub/version.hpp"

using namespace sensorhub;

namespace {

constexpr long long minute = 60'000'000;
constexpr long long day = 1440 * minute;
// 2025-01-01T00:00:00Z.
constexpr long long year_start = 1'735'689'600'000'000LL;
constexpr long long year_end = year_start + 365 * day;

double median_ms(int runs, const std::function<std::size_t()>& f, std::size_t& out) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t = std::chrono::steady_clock::now();
    out = f();
    ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

void fill(repository& repo, std::int64_t& sensor_id) {
  repo.write([&](write_tx& tx) {
    sensor s;
    s.tipo = "temperatura";
    s.modelo = "bench";
    s.created_at = s.updated_at = now();
    sensor_id = tx.insert_sensor(s).id;
  });
  long long i = 0;
  for (long long ts = year_start; ts < year_end;) {
    repo.write([&](write_tx& tx) {
      for (int k = 0; k < 20000 && ts < year_end; ++k, ts += minute, ++i) {
        reading l;
        l.sensor_id = sensor_id;
        l.valor = static_cast<double>((i * 37) % 997) * 0.1;
        l.timestamp = from_micros(ts);
        l.created_at = l.updated_at = from_micros(ts);
        tx.insert_reading(l);
      }
    });
  }
}

struct span {
  const char* name;
  long long length;
};

struct bucket {
  const char* name;
  long long size;
};

const span spans[] = {{"1 day", day}, {"7 days", 7 * day}, {"1 year", 365 * day}};
const bucket buckets[] = {
    {"1m", minute}, {"5m", 5 * minute}, {"15m", 15 * minute}, {"1h", 60 * minute}, {"1d", day}};

double time_agg(repository& repo, std::int64_t id, long long length, long long size, int runs,
                std::size_t& n) {
  agg_query q;
  q.sensor_id = id;
  q.since = from_micros(year_end - length);
  q.until = from_micros(year_end);
  q.bucket = std::chrono::microseconds(size);
  return median_ms(
      runs, [&] { return repo.aggregate_readings(q).size(); }, n);
}

}  // namespace

int main(int argc, char** argv) {
  std::string path = "agg_bench.db";
  int runs = 5;
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::printf("sensorhub_agg_bench %s\n", SENSORHUB_VERSION);
    return 0;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--db") == 0) {
      path = argv[i + 1];
    } else if (std::strcmp(argv[i], "--runs") == 0) {
      runs = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "usage: %s [--db PATH] [--runs N]\n", argv[0]);
      return 2;
    }
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  sqlite_options o;
  o.path = path;
  sqlite_repository repo(o);
  std::int64_t id = 0;
  const auto t0 = std::chrono::steady_clock::now();
  fill(repo, id);
  std::printf("agg_bench: %lld per-minute readings written in %.1f s (%s)\n",
              (year_end - year_start) / minute,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(),
              path.c_str());
  std::printf("| span | rows | list raw rows | 1m | 5m | 15m | 1h | 1d |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  for (const span& s : spans) {
    std::size_t rows = 0;
    reading_query rq;
    rq.sensor_id = id;
    rq.since = from_micros(year_end - s.length);
    rq.until = from_micros(year_end);
    rq.limit = static_cast<std::size_t>(s.length / minute) + 1;
    const double list_ms = median_ms(
        runs, [&] { return repo.list_readings(rq).size(); }, rows);
    std::printf("| %s | %zu | %.2f ms |", s.name, rows, list_ms);
    for (const bucket& b : buckets) {
      if (s.length / b.size > max_agg_buckets) {
        std::printf(" - |");
        continue;
      }
      std::size_t n = 0;
      std::printf(" %.2f ms |", time_agg(repo, id, s.length, b.size, runs, n));
    }
    std::printf("\n");
  }
  // Retention: 7 days raw, the rest as hourly rollups.
  readings_retention_policy p;
  p.raw_age = std::chrono::hours(24 * 7);
  const auto t1 = std::chrono::steady_clock::now();
  const auto r = repo.apply_readings_retention(p, from_micros(year_end));
  std::printf(
      "\nretention pass (7 days raw): %llu readings folded into %llu hourly rollups "
      "in %.1f s\n",
      static_cast<unsigned long long>(r.readings_deleted),
      static_cast<unsigned long long>(r.hours_rolled_up),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count());
  std::printf("| span (after retention) | 1h | 1d |\n|---|---|---|\n");
  for (const span& s : spans) {
    std::size_t n = 0;
    const double h = time_agg(repo, id, s.length, 60 * minute, runs, n);
    const double d = time_agg(repo, id, s.length, day, runs, n);
    std::printf("| %s | %.2f ms | %.2f ms |\n", s.name, h, d);
  }
  return 0;
}

// SPDX-License-Identifier: MIT
// End-to-end: `sensorhubd backup` copies the database of a running daemon
// while writers keep writing; the copy passes PRAGMA integrity_check, holds
// a consistent snapshot and serves in a second daemon. Its errors and exit
// codes (docs/operations.md, "Backup and restore").

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "../e2e_test_util.hpp"
#include "sqlite_query.hpp"

using namespace sensorhub::e2e;

namespace {

command_result backup(const std::vector<std::string>& args) {
  std::vector<std::string> argv{default_daemon_binary(), "backup"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv, std::chrono::seconds(120));
}

int exit_code(const command_result& r) {
  return !r.timed_out && WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
}

std::int64_t count_of(const std::string& db, const std::string& table) {
  const std::string n = sqlite_query(db, "SELECT count(*) FROM " + table);
  INFO(table << ": " << n);
  REQUIRE(n.rfind("error", 0) != 0);
  return std::stoll(n);
}

// A batch of n readings of one sensor (one transaction).
void post_batch(const http_client& h, std::int64_t sensor, int n) {
  std::string body = "[";
  for (int i = 0; i < n; ++i) {
    body += (i ? "," : "") + std::string("{\"sensor_id\":") + std::to_string(sensor) +
            ",\"valor\":" + std::to_string(i % 100) + ".5}";
  }
  body += "]";
  const http_response r = h.post("/api/v1/lecturas/batch", body);
  INFO(r.body.substr(0, 300));
  REQUIRE(r.status == 201);
}

}  // namespace

TEST_CASE("backup of a running daemon under writes is consistent and serves") {
  daemon_process d;
  const auto h = d.http();
  const std::int64_t sensor = create_sensor(h, "temperatura", "backup");
  for (int i = 0; i < 4; ++i) post_batch(h, sensor, 5000);  // a few MB to copy

  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> acked{0}, failed{0};
  std::vector<std::thread> writers;
  for (int w = 0; w < 2; ++w) {
    writers.emplace_back([&, w] {
      const http_client c = d.http();
      while (!stop) {
        const auto r = c.post("/api/v1/lecturas/", "{\"sensor_id\":" + std::to_string(sensor) +
                                                       ",\"valor\":" + std::to_string(w) + "}");
        (r.status == 201 ? acked : failed).fetch_add(1);
      }
    });
  }
  // Writers are running before the backup starts.
  while (acked.load() < 20 && failed.load() == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const std::int64_t acked_before = acked.load();
  const std::string copy = (d.dir() / "copy.db").string();
  const command_result r = backup({"--db", d.db_path().string(), "--to", copy});
  const std::int64_t acked_after = acked.load();
  // A few more writes after the backup, then stop.
  while (acked.load() < acked_after + 20 && failed.load() == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  stop = true;
  for (auto& t : writers) t.join();
  INFO(r.output);
  REQUIRE(exit_code(r) == 0);
  CHECK(r.output.find("copied") != std::string::npos);
  CHECK(failed.load() == 0);

  CHECK(sqlite_query(copy, "PRAGMA integrity_check") == "ok");
  CHECK(!std::filesystem::exists(copy + "-wal"));  // one self-contained file
  // A snapshot between the writes acknowledged before and after the backup.
  const std::int64_t readings = count_of(copy, "lecturas");
  CHECK(readings >= 20000 + acked_before);
  // (+ one write per writer that committed before the snapshot but whose
  // answer was still on its way when the backup returned)
  CHECK(readings <= 20000 + acked_after + static_cast<std::int64_t>(writers.size()));
  CHECK(count_of(d.db_path().string(), "lecturas") == 20000 + acked.load());
  // Every reading in the copy has its event: one transaction, one snapshot.
  CHECK(sqlite_query(copy,
                     "SELECT count(*) FROM events WHERE channel = 'readings' AND "
                     "event_type = 'created'") == std::to_string(readings));
  CHECK(healthy(d));

  // The copy serves in a second daemon.
  daemon_options o;
  o.db = copy;
  daemon_process second(o);
  const auto h2 = second.http();
  const http_response s = h2.get("/api/v1/sensores/" + std::to_string(sensor));
  INFO(s.body);
  CHECK(s.status == 200);
  CHECK(s.json()["modelo"].str() == "backup");
  const http_response last =
      h2.get("/api/v1/lecturas/?sensor_id=" + std::to_string(sensor) + "&limit=1");
  CHECK(last.status == 200);
  CHECK(create_reading(h2, sensor, 1.0) > 0);  // and takes writes
  CHECK(healthy(second));
}

TEST_CASE("backup refuses clearly: missing source, existing target, not a database, usage") {
  daemon_process d;
  create_sensor(d.http());
  const std::string db = d.db_path().string();
  const std::string dir = d.dir().string();

  auto r = backup({"--db", dir + "/missing.db", "--to", dir + "/a.db"});
  CHECK(exit_code(r) == 1);
  CHECK(r.output.find("no database at") != std::string::npos);
  CHECK(!std::filesystem::exists(dir + "/a.db"));

  REQUIRE(exit_code(backup({"--db", db, "--to", dir + "/a.db"})) == 0);
  r = backup({"--db", db, "--to", dir + "/a.db"});
  CHECK(exit_code(r) == 1);
  CHECK(r.output.find("exists (use --force") != std::string::npos);
  r = backup({"--db", db, "--to", dir + "/a.db", "--force"});
  CHECK(exit_code(r) == 0);
  CHECK(sqlite_query(dir + "/a.db", "PRAGMA integrity_check") == "ok");

  r = backup({"--db", db, "--to", db, "--force"});
  CHECK(exit_code(r) == 1);
  CHECK(r.output.find("the database itself") != std::string::npos);

  {
    std::ofstream junk(dir + "/junk.db");
    junk << "not a database, but long enough to look at its header......................\n";
  }
  r = backup({"--db", dir + "/junk.db", "--to", dir + "/b.db"});
  CHECK(exit_code(r) == 1);
  CHECK(r.output.find("not a database") != std::string::npos);
  CHECK(!std::filesystem::exists(dir + "/b.db"));

  r = backup({"--db", db, "--to", dir + "/no/such/dir/c.db"});
  CHECK(exit_code(r) == 1);
  CHECK(r.output.find("no directory") != std::string::npos);

  r = backup({"--db", db});
  CHECK(exit_code(r) == 2);
  CHECK(r.output.find("--to") != std::string::npos);
  // No temporary file is left behind.
  for (const auto& e : std::filesystem::directory_iterator(d.dir())) {
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  }
  CHECK(healthy(d));
}

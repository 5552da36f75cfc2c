// SPDX-License-Identifier: MIT
// End-to-end: the daemon's command line (SPEC §8) and its startup output.

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>

#include "e2e_test_util.hpp"
#include "sensorhub/version.hpp"

using namespace sensorhub::e2e;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

int exit_code(const command_result& r) {
  return !r.timed_out && WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
}

}  // namespace

TEST_CASE("--help lists the flags and exits 0") {
  const command_result r = run_command({default_daemon_binary(), "--help"});
  INFO(r.output);
  CHECK(exit_code(r) == 0);
  for (const char* flag : {"--host", "--port", "--db", "--test-endpoints", "--config"}) {
    INFO(flag);
    CHECK(r.output.find(flag) != std::string::npos);
  }
}

TEST_CASE("--version prints the name and version and exits 0") {
  const command_result r = run_command({default_daemon_binary(), "--version"});
  CHECK(exit_code(r) == 0);
  CHECK(r.output == std::string("sensorhubd ") + SENSORHUB_VERSION + "\n");
}

TEST_CASE("an unknown flag or an unreadable config fails with a message") {
  const command_result bad = run_command({default_daemon_binary(), "--port", "0", "--bogus-flag"});
  INFO(bad.output);
  CHECK(!bad.timed_out);
  CHECK(exit_code(bad) != 0);
  CHECK(bad.output.find("bogus") != std::string::npos);

  const command_result missing = run_command(
      {default_daemon_binary(), "--port", "0", "--config", "/nonexistent/sensorhub.json"});
  INFO(missing.output);
  CHECK(!missing.timed_out);
  CHECK(exit_code(missing) != 0);

  daemon_process d;  // for a temp dir
  const auto cfg = d.dir() / "bad.json";
  std::ofstream(cfg) << "{ not json";
  const command_result garbage =
      run_command({default_daemon_binary(), "--port", "0", "--config", cfg.string()});
  INFO(garbage.output);
  CHECK(!garbage.timed_out);
  CHECK(exit_code(garbage) != 0);

  const command_result port = run_command({default_daemon_binary(), "--port", "99999"});
  CHECK(!port.timed_out);
  CHECK(exit_code(port) != 0);
}

#if SENSORHUB_HAS_POSTGRES
TEST_CASE("an unreachable PostgreSQL --db fails at start with a message, backup refuses one") {
  // Port 1 on loopback: nothing listens, the connection is refused at once.
  const std::string uri = "postgresql://sensorhub@127.0.0.1:1/sensorhub";
  const command_result r = run_command({default_daemon_binary(), "--port", "0", "--db", uri});
  INFO(r.output);
  CHECK(!r.timed_out);
  CHECK(exit_code(r) != 0);
  CHECK(r.output.find("cannot open PostgreSQL database") != std::string::npos);

  daemon_process d;  // for a temp dir
  const command_result b = run_command(
      {default_daemon_binary(), "backup", "--db", uri, "--to", (d.dir() / "copy.db").string()});
  INFO(b.output);
  CHECK(exit_code(b) != 0);
  CHECK(b.output.find("pg_dump") != std::string::npos);
}
#endif

TEST_CASE("a port already in use fails with a message not a hang") {
  daemon_process d;
  const command_result r = run_command({default_daemon_binary(), "--port", std::to_string(d.port()),
                                        "--db", (d.dir() / "other.db").string()});
  INFO(r.output);
  CHECK(!r.timed_out);
  CHECK(exit_code(r) != 0);
  CHECK(healthy(d));
}

TEST_CASE("startup output: listening line first auth mode announced leveled logs") {
  daemon_process d({"--test-endpoints"});
  CHECK(d.first_line() == "listening on http://127.0.0.1:" + std::to_string(d.port()));
  // The daemon announces its auth mode: on, since --no-auth was not given.
  CHECK(lower(d.log_text()).find("authentication on") != std::string::npos);
  CHECK(d.log_text().find("AUTHENTICATION IS OFF") == std::string::npos);
  CHECK(lower(d.log_text()).find("info") != std::string::npos);
}

TEST_CASE("--config FILE in JSON is accepted") {
  temp_dir probe;
  const auto cfg = probe.path() / "ok.json";
  std::ofstream(cfg) << "{}";
  daemon_process d({"--test-endpoints", "--no-auth", "--config", cfg.string()});
  CHECK(healthy(d));
}

TEST_CASE("the packaged config (packaging/sensorhubd.json) starts the daemon with auth on") {
  const std::string cfg = std::string(SENSORHUB_SOURCE_DIR) + "/packaging/sensorhubd.json";
  // daemon_process puts --port 0 --db <temp file> first: flags win over the
  // file's port 8000 and /var/lib/sensorhub, its host and the rest apply.
  daemon_process d({"--config", cfg});
  CHECK(d.first_line() == "listening on http://127.0.0.1:" + std::to_string(d.port()));
  CHECK(healthy(d));
  CHECK(lower(d.log_text()).find("authentication on") != std::string::npos);
  CHECK(d.http().get("/api/v1/sensores").status == 401);
  // A token made by the CLI on the same file is picked up within its poll.
  const std::string admin = d.create_token("ops", "read,write,admin");
  const header_list auth = {{"Authorization", "Bearer " + admin}};
  CHECK(wait_until([&] {
    return d.http().request("GET", "/api/v1/sensores", std::nullopt, auth).status == 200;
  }));
  CHECK(d.stop(std::chrono::seconds(20)) == "exit 0");
}

// End-to-end: the daemon's command line (SPEC §8) and its startup output.

#include <sys/wait.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <string>

#include "e2e_test_util.hpp"

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

// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "child_process.hpp"
#include "http_client.hpp"
#include "temp_dir.hpp"

namespace sensorhub::testing {

// The daemon binary: $SENSORHUB_E2E_DAEMON if set, else the SENSORHUBD_PATH
// this library was compiled with ("" without one).
std::string default_daemon_binary();

// Default extra flags: the original system's test mode and no auth, so tests
// can use both /test-sensors/ and /sensores/ without tokens.
std::vector<std::string> default_daemon_flags();

// How to start a daemon_process.
struct daemon_options {
  daemon_options();  // the defaults below (user-provided: not an aggregate)

  std::string binary;                 // default_daemon_binary()
  std::vector<std::string> flags;     // after --port 0 --db DB; default_daemon_flags()
  std::filesystem::path db;           // empty: sensorhub.db in the daemon's temp dir
  std::filesystem::path log_file;     // empty: stdout.N.log/stderr.N.log in the temp dir;
                                      // else both streams appended to this file
  int parent_death_signal = SIGKILL;  // sent to the daemon if the test dies
  std::chrono::milliseconds start_timeout{20000};  // for the "listening on" line
};

// Runs the real sensorhubd binary as a child process on "--port 0" with its
// own temporary directory (and database, unless one is given). start() waits
// for the stdout line "listening on http://HOST:PORT" (the first one, unless
// both streams share a log_file). The destructor SIGKILLs a still-running
// child and removes the directory (kept when SENSORHUB_E2E_KEEP is set).
// Used by the e2e tests and the bench. Not thread-safe: use from one thread.
class daemon_process {
 public:
  // Starts the daemon at once. `flags` come after --port 0 --db <file>.
  explicit daemon_process(std::vector<std::string> flags = default_daemon_flags(),
                          std::string binary = default_daemon_binary());
  explicit daemon_process(daemon_options options);
  ~daemon_process();
  daemon_process(const daemon_process&) = delete;
  daemon_process& operator=(const daemon_process&) = delete;

  // Starts again on the same database (after an exit or kill9()).
  void restart();
  void restart(std::vector<std::string> flags);

  std::uint16_t port() const noexcept { return port_; }
  const std::string& host() const noexcept { return host_; }
  pid_t pid() const noexcept { return child_ ? child_->pid() : -1; }
  const std::filesystem::path& db_path() const noexcept { return db_; }
  const std::filesystem::path& dir() const noexcept { return dir_.path(); }
  http_client http() const { return http_client(host_, port_); }
  // The first stdout line of the current run (the "listening on" line).
  const std::string& first_line() const noexcept { return first_line_; }

  // True while the child has not been reaped.
  bool running() { return child_ && child_->running(); }
  void signal(int sig);
  void terminate() { signal(SIGTERM); }
  // Waits for exit; returns the raw waitpid status, nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGKILL and reap.
  void kill9();
  // "" while running, else how it ended ("exit 0", "signal 11").
  std::string poll_exit();
  // SIGTERM, waits up to `grace`, then SIGKILL. Describes how it ended.
  std::string stop(std::chrono::milliseconds grace);
  // user+system CPU seconds and peak RSS of the running daemon (0 if gone).
  double cpu_seconds() const { return child_ ? child_->cpu_seconds() : 0; }
  double peak_rss_mb() const { return child_ ? child_->peak_rss_mb() : 0; }

  // Everything the daemon wrote so far (all runs): stdout, then stderr.
  // With a log_file both are that file's content.
  std::string stdout_text() const;
  std::string stderr_text() const;
  std::string log_text() const;
  // Where the output goes: the log_file, or the temp dir.
  std::filesystem::path log_path() const;
  // The first ASan/UBSan/LSan report in stderr (empty if none).
  std::string sanitizer_report() const;

  // Runs `sensorhubd token ARGS... --db <this db>` (works while the daemon
  // runs; it picks tokens up within its poll interval).
  struct token_command_result {
    int exit_code = -1;
    std::string out;  // stdout
    std::string all;  // stdout then stderr
  };
  token_command_result token_command(const std::vector<std::string>& args) const;
  // `token create --name N --scopes S`: returns the printed token (throws on failure).
  std::string create_token(const std::string& name, const std::string& scopes) const;

 private:
  void start();
  void wait_listening(const std::filesystem::path& out_path, std::size_t from);
  std::filesystem::path stdout_file(int run) const;
  std::filesystem::path stderr_file(int run) const;

  daemon_options options_;
  temp_dir dir_{"sensorhub-e2e"};
  std::filesystem::path db_;
  int run_ = 0;
  std::unique_ptr<child_process> child_;
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  std::string first_line_;
};

}  // namespace sensorhub::testing

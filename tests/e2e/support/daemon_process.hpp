#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "http_client.hpp"

namespace sensorhub::e2e {

// The daemon binary: $SENSORHUB_E2E_DAEMON if set, else the SENSORHUBD_PATH
// this library was compiled with.
std::string default_daemon_binary();

// Default extra flags: the original system's test mode and no auth, so tests
// can use both /test-sensors/ and /sensores/ without tokens.
std::vector<std::string> default_daemon_flags();

// Runs the real sensorhubd binary as a child process on "--port 0" with its
// own temporary directory and database. stdout and stderr go to files in that
// directory (for log greps); start() waits for the first stdout line
// "listening on http://HOST:PORT". The destructor SIGKILLs a still-running
// child and removes the directory (kept when SENSORHUB_E2E_KEEP is set).
// Not thread-safe: use from one thread (http/ws clients from any thread).
class daemon_process {
 public:
  // Starts the daemon at once. `flags` come after --port 0 --db <file>.
  explicit daemon_process(std::vector<std::string> flags = default_daemon_flags(),
                          std::string binary = default_daemon_binary());
  ~daemon_process();
  daemon_process(const daemon_process&) = delete;
  daemon_process& operator=(const daemon_process&) = delete;

  // Starts again on the same database (after an exit or kill9()).
  void restart();
  void restart(std::vector<std::string> flags);

  std::uint16_t port() const noexcept { return port_; }
  const std::string& host() const noexcept { return host_; }
  pid_t pid() const noexcept { return pid_; }
  const std::filesystem::path& db_path() const noexcept { return db_; }
  const std::filesystem::path& dir() const noexcept { return dir_; }
  http_client http() const { return http_client(host_, port_); }
  // The first stdout line of the current run.
  const std::string& first_line() const noexcept { return first_line_; }

  // True while the child has not been reaped.
  bool running();
  void signal(int sig);
  void terminate() { signal(15); }
  // Waits for exit; returns the raw waitpid status, nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGKILL and reap.
  void kill9();

  // Everything the daemon wrote so far (all runs): stdout, then stderr.
  std::string stdout_text() const;
  std::string stderr_text() const;
  std::string log_text() const { return stdout_text() + stderr_text(); }
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

  std::string binary_;
  std::vector<std::string> flags_;
  std::filesystem::path dir_;
  std::filesystem::path db_;
  int run_ = 0;
  pid_t pid_ = -1;
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
  std::string first_line_;
};

// Result of run_command.
struct command_result {
  int status = -1;         // raw waitpid status
  bool timed_out = false;  // killed after the timeout
  std::string output;      // stdout followed by stderr
};

// Runs `args` (args[0] is the program path) to completion with stdin from
// /dev/null; SIGKILLs it after `timeout`.
command_result run_command(const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout = std::chrono::seconds(20));

// "WIFEXITED and code" / "signal N" description of a waitpid status.
std::string describe_status(int status);

}  // namespace sensorhub::e2e

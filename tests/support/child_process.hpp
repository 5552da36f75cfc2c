// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sensorhub::testing {

// How to start a child_process.
struct child_options {
  std::vector<std::string> argv;  // argv[0] is the program path
  std::filesystem::path stdout_path;
  std::filesystem::path stderr_path;  // may equal stdout_path: both streams in one file
  bool append = false;                // append to the files instead of truncating them
  int parent_death_signal = SIGKILL;  // sent to the child if the parent dies (Linux)
};

// A child process (fork + exec) with stdin from /dev/null and stdout/stderr
// in files, so it never blocks on a pipe. The destructor SIGKILLs and reaps a
// child still running. The one process launcher of the tests and the bench.
// Not thread-safe: one owner thread.
class child_process {
 public:
  // Starts the child at once; throws std::runtime_error if it cannot.
  explicit child_process(child_options options);
  ~child_process();
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  pid_t pid() const noexcept { return pid_; }
  // True while the child has not been reaped (reaps it if it exited).
  bool running();
  // The raw waitpid status once reaped.
  std::optional<int> status() const noexcept { return status_; }
  void signal(int sig);
  // Waits for exit; the raw waitpid status, nullopt on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout);
  // SIGKILL and reap.
  void kill9();
  // SIGTERM, waits up to `grace`, then SIGKILL. Describes how it ended
  // ("exit 0", "signal 6", "killed: no exit within N ms of SIGTERM").
  std::string stop(std::chrono::milliseconds grace);

  // user+system CPU time and peak RSS (VmHWM) so far, from /proc (0 if gone).
  double cpu_seconds() const;
  double peak_rss_mb() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

// "exit N" or "signal N" for a raw waitpid status.
std::string describe_status(int status);

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

// The whole content of a file ("" if it cannot be read).
std::string read_text_file(const std::filesystem::path& p);

}  // namespace sensorhub::testing

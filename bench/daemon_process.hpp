#pragma once

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include "url.hpp"

namespace bench {

// A sensorhubd child process started by the bench. Its stdout is read until
// the line "listening on http://HOST:PORT", then drained into the log file
// (together with stderr) so the daemon never blocks on a full pipe. The child
// gets SIGTERM if the bench dies.
// Thread-safety: one owner thread.
class daemon_process {
 public:
  daemon_process(const std::string& path, const std::vector<std::string>& args,
                 const std::string& log_path);
  ~daemon_process();
  daemon_process(const daemon_process&) = delete;
  daemon_process& operator=(const daemon_process&) = delete;

  // Waits for the listening line; throws std::runtime_error on timeout/exit.
  server_address wait_listening(std::chrono::seconds timeout);

  pid_t pid() const { return pid_; }
  // Empty while running, else how it ended ("exit 0", "signal 11").
  std::string poll_exit();
  double cpu_seconds() const;  // user+system so far (from /proc)
  double peak_rss_mb() const;  // VmHWM (from /proc)
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns how it ended.
  std::string stop(std::chrono::seconds grace);
  const std::string& log_path() const { return log_path_; }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int log_fd_ = -1;
  std::string log_path_;
  std::string pending_;  // stdout bytes after the listening line
  std::string exit_;
  std::thread drain_;
};

}  // namespace bench

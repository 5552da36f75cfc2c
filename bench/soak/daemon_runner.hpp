// SPDX-License-Identifier: MIT
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "support/child_process.hpp"

namespace sensorhub::soak {

// Runs sensorhubd on one database file and one port across kills: the first
// start picks a free port (--port 0), every restart asks for that port again.
// Output of all runs is appended to one log file. Not thread-safe: the main
// thread owns it (other threads read pid() through the atomic copy).
class daemon_runner {
 public:
  daemon_runner(std::string binary, std::filesystem::path dir);

  // Starts (or restarts) the daemon and waits for its "listening on" line.
  void start();
  void kill9();
  // False once the daemon has exited (reaps it).
  bool running() { return child_ && child_->running(); }
  // SIGTERM and wait; describes how it ended.
  std::string stop();

  std::uint16_t port() const noexcept { return port_; }
  pid_t pid() const noexcept { return pid_; }
  const std::filesystem::path& db() const noexcept { return db_; }
  const std::filesystem::path& log() const noexcept { return log_; }

 private:
  std::string binary_;
  std::filesystem::path db_, log_, config_;
  std::unique_ptr<testing::child_process> child_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace sensorhub::soak

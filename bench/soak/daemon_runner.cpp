// SPDX-License-Identifier: MIT
#include "daemon_runner.hpp"

#include <chrono>
#include <fstream>
#include <regex>
#include <stdexcept>
#include <thread>

namespace sensorhub::soak {

daemon_runner::daemon_runner(std::string binary, std::filesystem::path dir)
    : binary_(std::move(binary)),
      db_(dir / "soak.db"),
      log_(dir / "daemon.log"),
      config_(dir / "daemon.json") {}

void daemon_runner::start() {
  const std::string port = std::to_string(port_);
  testing::child_options c;
  c.argv = {binary_, "--port", port, "--db", db_.string(), "--test-endpoints", "--no-auth"};
  if (std::filesystem::exists(config_)) {
    c.argv.push_back("--config");
    c.argv.push_back(config_.string());
  }
  c.stdout_path = log_;
  c.stderr_path = log_;
  c.append = true;
  std::error_code ec;
  const auto from = std::filesystem::exists(log_) ? std::filesystem::file_size(log_, ec) : 0;
  child_ = std::make_unique<testing::child_process>(std::move(c));
  pid_ = child_->pid();
  static const std::regex re(R"(listening on http://[^:/\s]+:(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    const std::string all = testing::read_text_file(log_);
    const std::string out = all.size() > from ? all.substr(from) : std::string();
    std::smatch m;
    if (std::regex_search(out, m, re)) {
      port_ = static_cast<std::uint16_t>(std::stoi(m[1].str()));
      return;
    }
    if (!child_->running()) throw std::runtime_error("sensorhubd exited at start:\n" + out);
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("sensorhubd did not listen within 30 s:\n" + out);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void daemon_runner::kill9() {
  if (child_) child_->kill9();
}

std::string daemon_runner::stop() {
  return child_ ? child_->stop(std::chrono::seconds(30)) : std::string("not started");
}

}  // namespace sensorhub::soak

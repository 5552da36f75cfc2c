// SPDX-License-Identifier: MIT
#include "daemon_process.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <stdexcept>
#include <thread>

namespace sensorhub::testing {

std::string default_daemon_binary() {
  if (const char* env = std::getenv("SENSORHUB_E2E_DAEMON"); env != nullptr && *env != '\0') {
    return env;
  }
#ifdef SENSORHUBD_PATH
  return SENSORHUBD_PATH;
#else
  return {};
#endif
}

std::vector<std::string> default_daemon_flags() { return {"--test-endpoints", "--no-auth"}; }

daemon_options::daemon_options() : binary(default_daemon_binary()), flags(default_daemon_flags()) {}

namespace {

daemon_options with_flags(std::vector<std::string> flags, std::string binary) {
  daemon_options o;
  o.flags = std::move(flags);
  o.binary = std::move(binary);
  return o;
}

}  // namespace

daemon_process::daemon_process(std::vector<std::string> flags, std::string binary)
    : daemon_process(with_flags(std::move(flags), std::move(binary))) {}

daemon_process::daemon_process(daemon_options options) : options_(std::move(options)) {
  if (options_.binary.empty()) throw std::runtime_error("sensorhubd path not configured");
  if (std::getenv("SENSORHUB_E2E_KEEP") != nullptr) dir_.keep();
  db_ = options_.db.empty() ? dir_.path() / "sensorhub.db" : options_.db;
  start();  // on failure the members clean up (child killed, dir removed)
}

daemon_process::~daemon_process() { kill9(); }

std::filesystem::path daemon_process::stdout_file(int run) const {
  if (!options_.log_file.empty()) return options_.log_file;
  return dir_.path() / ("stdout." + std::to_string(run) + ".log");
}

std::filesystem::path daemon_process::stderr_file(int run) const {
  if (!options_.log_file.empty()) return options_.log_file;
  return dir_.path() / ("stderr." + std::to_string(run) + ".log");
}

void daemon_process::start() {
  ++run_;
  child_options c;
  c.argv = {options_.binary, "--port", "0", "--db", db_.string()};
  c.argv.insert(c.argv.end(), options_.flags.begin(), options_.flags.end());
  c.stdout_path = stdout_file(run_);
  c.stderr_path = stderr_file(run_);
  c.append = !options_.log_file.empty();
  c.parent_death_signal = options_.parent_death_signal;
  // A shared log file may hold earlier runs: look only at what this run writes.
  std::error_code ec;
  const auto size = c.append ? std::filesystem::file_size(c.stdout_path, ec) : 0;
  const std::size_t from = ec ? 0 : static_cast<std::size_t>(size);
  child_ = std::make_unique<child_process>(std::move(c));
  wait_listening(stdout_file(run_), from);
}

// Polls the stdout file for "listening on http(s)://HOST:PORT" (its first line,
// unless stderr shares the file) and takes host and port from it.
void daemon_process::wait_listening(const std::filesystem::path& out_path, std::size_t from) {
  static const std::regex re(R"(^listening on https?://(\[[^\]]+\]|[^:/\s]+):(\d+)\s*$)");
  const bool shared = !options_.log_file.empty();
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  for (;;) {
    const std::string all = read_text_file(out_path);
    const std::string out = all.size() > from ? all.substr(from) : std::string();
    std::size_t begin = 0;
    for (auto nl = out.find('\n'); nl != std::string::npos; nl = out.find('\n', begin)) {
      first_line_ = out.substr(begin, nl - begin);
      begin = nl + 1;
      std::smatch m;
      if (std::regex_match(first_line_, m, re)) {
        host_ = m[1].str();
        if (host_.size() > 2 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
        if (host_ == "0.0.0.0") host_ = "127.0.0.1";
        if (host_ == "::") host_ = "::1";
        port_ = static_cast<std::uint16_t>(std::stoi(m[2].str()));
        return;
      }
      if (!shared) {
        throw std::runtime_error("first stdout line is not 'listening on http://HOST:PORT': '" +
                                 first_line_ + "'\nstderr:\n" + stderr_text());
      }
    }
    if (!child_->running()) {
      throw std::runtime_error("sensorhubd exited before listening (" +
                               describe_status(child_->status().value_or(-1)) + ")\nstdout:\n" +
                               out + "\nstderr:\n" + stderr_text());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("no 'listening on' line in time (stdout: '" + out + "')\nstderr:\n" +
                               stderr_text());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void daemon_process::restart() {
  if (running()) throw std::runtime_error("restart() while the daemon still runs");
  start();
}

void daemon_process::restart(std::vector<std::string> flags) {
  options_.flags = std::move(flags);
  restart();
}

void daemon_process::signal(int sig) {
  if (child_) child_->signal(sig);
}

std::optional<int> daemon_process::wait_exit(std::chrono::milliseconds timeout) {
  if (!child_) throw std::runtime_error("wait_exit(): no child");
  return child_->wait_exit(timeout);
}

void daemon_process::kill9() {
  if (child_) child_->kill9();
}

std::string daemon_process::poll_exit() {
  if (!child_ || child_->running()) return {};
  return describe_status(child_->status().value_or(-1));
}

std::string daemon_process::stop(std::chrono::milliseconds grace) {
  return child_ ? child_->stop(grace) : std::string("not started");
}

std::filesystem::path daemon_process::log_path() const {
  return options_.log_file.empty() ? dir_.path() : options_.log_file;
}

std::string daemon_process::stdout_text() const {
  if (!options_.log_file.empty()) return read_text_file(options_.log_file);
  std::string s;
  for (int i = 1; i <= run_; ++i) s += read_text_file(stdout_file(i));
  return s;
}

std::string daemon_process::stderr_text() const {
  if (!options_.log_file.empty()) return read_text_file(options_.log_file);
  std::string s;
  for (int i = 1; i <= run_; ++i) s += read_text_file(stderr_file(i));
  return s;
}

std::string daemon_process::log_text() const {
  if (!options_.log_file.empty()) return read_text_file(options_.log_file);
  return stdout_text() + stderr_text();
}

std::string daemon_process::sanitizer_report() const {
  const std::string err = stderr_text();
  for (const char* marker : {"ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                             "runtime error:", "WARNING: ThreadSanitizer"}) {
    const auto pos = err.find(marker);
    if (pos != std::string::npos) return err.substr(pos > 200 ? pos - 200 : 0, 4000);
  }
  return {};
}

daemon_process::token_command_result daemon_process::token_command(
    const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {options_.binary, "token"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--db");
  argv.push_back(db_.string());
  // stdout alone: run through a file so the token line can be told apart.
  const auto out_file = dir_.path() / ("token-cmd-" + std::to_string(::getpid()) + ".out");
  std::vector<std::string> sh = {"/bin/sh", "-c",
                                 "exec \"$0\" \"$@\" >'" + out_file.string() + "'"};
  sh.insert(sh.end(), argv.begin(), argv.end());
  const command_result r = run_command(sh);
  token_command_result out;
  out.out = read_text_file(out_file);
  out.all = out.out + r.output;
  std::error_code ec;
  std::filesystem::remove(out_file, ec);
  out.exit_code = !r.timed_out && WIFEXITED(r.status) ? WEXITSTATUS(r.status) : -1;
  return out;
}

std::string daemon_process::create_token(const std::string& name, const std::string& scopes) const {
  const auto r = token_command({"create", "--name", name, "--scopes", scopes});
  std::string token = r.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (r.exit_code != 0 || token.empty() || token.find('\n') != std::string::npos) {
    throw std::runtime_error("token create failed: " + r.all);
  }
  return token;
}

}  // namespace sensorhub::testing

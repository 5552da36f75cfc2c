// SPDX-License-Identifier: MIT
#include "child_process.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "temp_dir.hpp"

namespace sensorhub::testing {
namespace {

using steady = std::chrono::steady_clock;

std::string read_proc(pid_t pid, const char* file) {
  return read_text_file("/proc/" + std::to_string(pid) + "/" + file);
}

int open_output(const std::filesystem::path& p, bool append) {
  const int mode = append ? O_APPEND : O_TRUNC;
  const int fd = ::open(p.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | mode, 0644);
  if (fd < 0) throw std::runtime_error("cannot open " + p.string() + ": " + std::strerror(errno));
  return fd;
}

}  // namespace

std::string read_text_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

child_process::child_process(child_options options) {
  if (options.argv.empty()) throw std::runtime_error("child_process: no program");
  std::vector<char*> argv;
  for (auto& a : options.argv) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int out_fd = open_output(options.stdout_path, options.append);
  const int err_fd = options.stderr_path == options.stdout_path
                         ? ::dup(out_fd)
                         : open_output(options.stderr_path, options.append);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
#ifdef __linux__
    ::prctl(PR_SET_PDEATHSIG, options.parent_death_signal);
    if (::getppid() != parent) ::_exit(126);
#endif
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  static_cast<void>(parent);
  ::close(out_fd);
  ::close(err_fd);
  pid_ = pid;
}

child_process::~child_process() { kill9(); }

bool child_process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    status_ = status;
    return false;
  }
  return true;
}

void child_process::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> child_process::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return status_;
  const auto deadline = steady::now() + timeout;
  for (;;) {
    if (!running()) return status_;
    if (steady::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void child_process::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  status_ = status;
}

std::string child_process::stop(std::chrono::milliseconds grace) {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    if (!wait_exit(grace)) {
      kill9();
      return "killed: no exit within " + std::to_string(grace.count()) + " ms of SIGTERM";
    }
  }
  return status_ ? describe_status(*status_) : std::string("not started");
}

double child_process::cpu_seconds() const {
  if (pid_ <= 0) return 0;
  const std::string stat = read_proc(pid_, "stat");
  const auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 > stat.size()) return 0;
  std::istringstream in(stat.substr(close_paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  // Fields after the command: state is #3; utime #14, stime #15.
  for (int i = 3; i <= 15 && (in >> field); ++i) {
    if (i == 14) utime = std::stod(field);
    if (i == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double child_process::peak_rss_mb() const {
  if (pid_ <= 0) return 0;
  const std::string status = read_proc(pid_, "status");
  const auto at = status.find("VmHWM:");
  if (at == std::string::npos) return 0;
  return std::stod(status.substr(at + 6)) / 1024.0;
}

command_result run_command(const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout) {
  temp_dir dir("sensorhub-cmd");
  const auto out_path = dir.path() / "out";
  const auto err_path = dir.path() / "err";
  child_process child({args, out_path, err_path});
  command_result res;
  const auto status = child.wait_exit(timeout);
  if (!status) {
    child.kill9();
    res.timed_out = true;
  }
  res.status = child.status().value_or(-1);
  res.output = read_text_file(out_path) + read_text_file(err_path);
  return res;
}

}  // namespace sensorhub::testing

#include "daemon_process.hpp"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace bench {

namespace {

std::string describe_status(int status) {
  if (WIFEXITED(status)) {
    return "exit " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "signal " + std::to_string(WTERMSIG(status));
  }
  return "unknown";
}

std::string read_proc(pid_t pid, const char* file) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

daemon_process::daemon_process(const std::string& path, const std::vector<std::string>& args,
                               const std::string& log_path)
    : log_path_(log_path) {
  log_fd_ = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd_ < 0) {
    throw std::runtime_error("cannot open " + log_path + ": " + std::strerror(errno));
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> argv_store;
  argv_store.push_back(path);
  argv_store.insert(argv_store.end(), args.begin(), args.end());
  std::vector<char*> argv;
  argv.reserve(argv_store.size() + 1);
  for (auto& a : argv_store) {
    argv.push_back(a.data());
  }
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    ::dup2(fds[1], STDOUT_FILENO);
    ::dup2(log_fd_, STDERR_FILENO);
    ::execv(path.c_str(), argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  stdout_fd_ = fds[0];
}

daemon_process::~daemon_process() {
  stop(std::chrono::seconds(10));
  if (drain_.joinable()) {
    drain_.join();
  }
  if (stdout_fd_ >= 0) {
    ::close(stdout_fd_);
  }
  if (log_fd_ >= 0) {
    ::close(log_fd_);
  }
}

server_address daemon_process::wait_listening(std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string buffer;
  const std::string prefix = "listening on ";
  for (;;) {
    auto nl = buffer.find('\n');
    while (nl != std::string::npos) {
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      if (!line.empty() && line.back() == '\r') {
        line.pop_back();
      }
      const auto at = line.find(prefix);
      if (at != std::string::npos) {
        const auto address = parse_http_url(line.substr(at + prefix.size()));
        if (!address) {
          throw std::runtime_error("cannot parse daemon line: " + line);
        }
        // Keep draining stdout into the log for the rest of the run.
        pending_ = buffer;
        const int in = stdout_fd_;
        const int out = log_fd_;
        if (!pending_.empty()) {
          const ssize_t ignored = ::write(out, pending_.data(), pending_.size());
          static_cast<void>(ignored);
        }
        drain_ = std::thread([in, out] {
          char chunk[4096];
          for (;;) {
            const ssize_t n = ::read(in, chunk, sizeof chunk);
            if (n <= 0) {
              if (n < 0 && errno == EINTR) {
                continue;
              }
              return;
            }
            const ssize_t ignored = ::write(out, chunk, static_cast<std::size_t>(n));
            static_cast<void>(ignored);
          }
        });
        return *address;
      }
      const ssize_t ignored = ::write(log_fd_, (line + "\n").data(), line.size() + 1);
      static_cast<void>(ignored);
      nl = buffer.find('\n');
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      throw std::runtime_error("daemon printed no 'listening on' line in time (log: " + log_path_ +
                               ")");
    }
    pollfd p{stdout_fd_, POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) {
      continue;
    }
    if (r <= 0) {
      continue;
    }
    char chunk[4096];
    const ssize_t n = ::read(stdout_fd_, chunk, sizeof chunk);
    if (n <= 0) {
      const std::string how = poll_exit();
      throw std::runtime_error("daemon closed stdout before listening (" +
                               (how.empty() ? std::string("running") : how) +
                               "; log: " + log_path_ + ")");
    }
    buffer.append(chunk, static_cast<std::size_t>(n));
  }
}

std::string daemon_process::poll_exit() {
  if (!exit_.empty() || pid_ <= 0) {
    return exit_;
  }
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    exit_ = describe_status(status);
  }
  return exit_;
}

double daemon_process::cpu_seconds() const {
  const std::string stat = read_proc(pid_, "stat");
  const auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos) {
    return 0;
  }
  std::istringstream in(stat.substr(close_paren + 2));
  std::string field;
  double utime = 0, stime = 0;
  // Fields after the command: state is #3; utime #14, stime #15.
  for (int i = 3; i <= 15 && (in >> field); ++i) {
    if (i == 14) {
      utime = std::stod(field);
    }
    if (i == 15) {
      stime = std::stod(field);
    }
  }
  return (utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double daemon_process::peak_rss_mb() const {
  const std::string status = read_proc(pid_, "status");
  const auto at = status.find("VmHWM:");
  if (at == std::string::npos) {
    return 0;
  }
  return std::stod(status.substr(at + 6)) / 1024.0;
}

std::string daemon_process::stop(std::chrono::seconds grace) {
  if (pid_ <= 0) {
    return exit_;
  }
  if (!poll_exit().empty()) {
    return exit_;
  }
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!poll_exit().empty()) {
      return exit_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  exit_ = "killed: no exit within " + std::to_string(grace.count()) + " s of SIGTERM";
  return exit_;
}

}  // namespace bench

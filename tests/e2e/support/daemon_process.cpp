#include "daemon_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/prctl.h>
#endif

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace sensorhub::e2e {
namespace {

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

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

std::string describe_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "status " + std::to_string(status);
}

daemon_process::daemon_process(std::vector<std::string> flags, std::string binary)
    : binary_(std::move(binary)), flags_(std::move(flags)) {
  if (binary_.empty()) throw std::runtime_error("sensorhubd path not configured");
  std::string tmpl = (std::filesystem::temp_directory_path() / "sensorhub-e2e-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error(std::string("mkdtemp: ") + std::strerror(errno));
  }
  dir_ = tmpl;
  db_ = dir_ / "sensorhub.db";
  try {
    start();
  } catch (...) {
    if (pid_ > 0) kill9();
    if (std::getenv("SENSORHUB_E2E_KEEP") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(dir_, ec);
    }
    throw;
  }
}

daemon_process::~daemon_process() {
  if (pid_ > 0) kill9();
  if (std::getenv("SENSORHUB_E2E_KEEP") == nullptr) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

void daemon_process::start() {
  ++run_;
  const auto out_path = dir_ / ("stdout." + std::to_string(run_) + ".log");
  const auto err_path = dir_ / ("stderr." + std::to_string(run_) + ".log");
  std::vector<std::string> args = {binary_, "--port", "0", "--db", db_.string()};
  args.insert(args.end(), flags_.begin(), flags_.end());
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out_fd < 0 || err_fd < 0) throw std::runtime_error("cannot create log files");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
#ifdef __linux__
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
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
  (void)parent;
  ::close(out_fd);
  ::close(err_fd);
  pid_ = pid;

  // Wait for the first stdout line.
  static const std::regex re(R"(^listening on http://(\[[^\]]+\]|[^:/\s]+):(\d+)\s*$)");
  const auto deadline = clock::now() + std::chrono::seconds(20);
  for (;;) {
    const std::string out = read_file(out_path);
    const auto nl = out.find('\n');
    if (nl != std::string::npos) {
      first_line_ = out.substr(0, nl);
      std::smatch m;
      if (!std::regex_match(first_line_, m, re)) {
        throw std::runtime_error("first stdout line is not 'listening on http://HOST:PORT': '" +
                                 first_line_ + "'\nstderr:\n" + read_file(err_path));
      }
      host_ = m[1].str();
      if (host_.size() > 2 && host_.front() == '[') host_ = host_.substr(1, host_.size() - 2);
      if (host_ == "0.0.0.0") host_ = "127.0.0.1";
      if (host_ == "::") host_ = "::1";
      port_ = static_cast<std::uint16_t>(std::stoi(m[2].str()));
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("sensorhubd exited before listening (" + describe_status(status) +
                               ")\nstdout:\n" + out + "\nstderr:\n" + read_file(err_path));
    }
    if (clock::now() > deadline) {
      throw std::runtime_error("no 'listening on' line within 20 s (stdout: '" + out +
                               "')\nstderr:\n" + read_file(err_path));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void daemon_process::restart() {
  if (pid_ > 0) throw std::runtime_error("restart() while the daemon still runs");
  start();
}

void daemon_process::restart(std::vector<std::string> flags) {
  flags_ = std::move(flags);
  restart();
}

bool daemon_process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

void daemon_process::signal(int sig) {
  if (pid_ > 0) ::kill(pid_, sig);
}

std::optional<int> daemon_process::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) throw std::runtime_error("wait_exit(): no child");
  const auto deadline = clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      return status;
    }
    if (clock::now() > deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void daemon_process::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string daemon_process::stdout_text() const {
  std::string s;
  for (int i = 1; i <= run_; ++i) s += read_file(dir_ / ("stdout." + std::to_string(i) + ".log"));
  return s;
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

std::string daemon_process::stderr_text() const {
  std::string s;
  for (int i = 1; i <= run_; ++i) s += read_file(dir_ / ("stderr." + std::to_string(i) + ".log"));
  return s;
}

command_result run_command(const std::vector<std::string>& args,
                           std::chrono::milliseconds timeout) {
  if (args.empty()) throw std::runtime_error("run_command: no program");
  std::string tmpl = (std::filesystem::temp_directory_path() / "sensorhub-cmd-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  const std::filesystem::path dir = tmpl;
  const auto out_path = dir / "out";
  const auto err_path = dir / "err";
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
#ifdef __linux__
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
#endif
    ::dup2(out_fd, 1);
    ::dup2(err_fd, 2);
    const int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    for (int fd = 3; fd < 1024; ++fd) ::close(fd);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(out_fd);
  ::close(err_fd);
  command_result res;
  const auto deadline = clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      res.status = status;
      break;
    }
    if (clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      res.status = status;
      res.timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  res.output = read_file(out_path) + read_file(err_path);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return res;
}

daemon_process::token_command_result daemon_process::token_command(
    const std::vector<std::string>& args) const {
  std::vector<std::string> argv = {binary_, "token"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back("--db");
  argv.push_back(db_.string());
  // stdout alone: run through a file so the token line can be told apart.
  const auto out_file = dir_ / ("token-cmd-" + std::to_string(::getpid()) + ".out");
  std::vector<std::string> sh = {"/bin/sh", "-c",
                                 "exec \"$0\" \"$@\" >'" + out_file.string() + "'"};
  sh.insert(sh.end(), argv.begin(), argv.end());
  const command_result r = run_command(sh);
  token_command_result out;
  out.out = read_file(out_file);
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

}  // namespace sensorhub::e2e

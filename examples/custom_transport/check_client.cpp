// SPDX-License-Identifier: MIT
// The ctest check of custom_transport_example: starts it, connects with a
// real TCP socket and expects the SPEC §3 greeting, a created event for the
// sensor it asks the example to create, a pong, and a clean shutdown.
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>

namespace {

pid_t child = -1;

int fail(const std::string& why) {
  std::fprintf(stderr, "check_client: %s\n", why.c_str());
  if (child > 0) ::kill(child, SIGKILL);
  return 1;
}

// Reads one '\n'-terminated line from fd within 10 s; false on EOF/timeout.
bool read_line(int fd, std::string& buf, std::string& line) {
  for (;;) {
    const auto nl = buf.find('\n');
    if (nl != std::string::npos) {
      line = buf.substr(0, nl);
      buf.erase(0, nl + 1);
      return true;
    }
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) != 1) return false;
    char chunk[4096];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n <= 0) return false;
    buf.append(chunk, static_cast<std::size_t>(n));
  }
}

// Reads lines until one contains every part; false on EOF/timeout.
bool expect(int fd, std::string& buf, const char* a, const char* b = "") {
  for (std::string line; read_line(fd, buf, line);) {
    if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) return fail("usage: check_client <custom_transport_example>");
  int to_child[2], from_child[2];
  if (::pipe(to_child) != 0 || ::pipe(from_child) != 0) return fail("pipe");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, to_child[0], 0);
  posix_spawn_file_actions_adddup2(&fa, from_child[1], 1);
  posix_spawn_file_actions_addclose(&fa, to_child[1]);
  posix_spawn_file_actions_addclose(&fa, from_child[0]);
  char* args[] = {argv[1], nullptr};
  const int spawned = posix_spawn(&child, argv[1], &fa, nullptr, args, environ);
  posix_spawn_file_actions_destroy(&fa);
  if (spawned != 0) return fail("spawn");
  ::close(to_child[0]);
  ::close(from_child[1]);

  std::string out_buf, line;
  if (!read_line(from_child[0], out_buf, line)) return fail("no listening line");
  unsigned port = 0;
  if (std::sscanf(line.c_str(), "listening on %u", &port) != 1) return fail("bad line: " + line);

  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{AF_INET, htons(static_cast<std::uint16_t>(port)), {htonl(INADDR_LOOPBACK)}, {}};
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return fail("connect");
  std::string buf;
  if (!expect(fd, buf, "\"type\":\"connection_established\"")) return fail("no greeting");
  if (!expect(fd, buf, "\"type\":\"stats\"")) return fail("no stats after the greeting");

  const char tipo[] = "temperatura\n";  // the example creates a sensor of this tipo
  if (::write(to_child[1], tipo, sizeof tipo - 1) != static_cast<ssize_t>(sizeof tipo - 1)) {
    return fail("write to the example");
  }
  if (!expect(fd, buf, "\"event_type\":\"created\"", "\"tipo\":\"temperatura\"")) {
    return fail("no created event");
  }
  const char ping[] = "{\"type\":\"ping\"}\n";
  if (::send(fd, ping, sizeof ping - 1, MSG_NOSIGNAL) != static_cast<ssize_t>(sizeof ping - 1)) {
    return fail("send ping");
  }
  if (!expect(fd, buf, "\"type\":\"pong\"")) return fail("no pong");

  ::close(to_child[1]);  // stdin EOF: the example stops its hub and closes us
  char rest[4096];
  for (pollfd p{fd, POLLIN, 0}; ::poll(&p, 1, 10000) == 1;) {
    if (::read(fd, rest, sizeof rest) <= 0) break;  // EOF: closed by the server's stop
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child) return fail("waitpid");
  child = -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) return fail("the example did not exit 0");
  std::puts("custom_transport_example: greeting, created event, pong, clean stop");
  return 0;
}

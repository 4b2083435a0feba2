#include "real/spawn_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "core/error.hpp"

extern char** environ;

namespace tandem::real {
namespace {

std::string exit_status(int status) {
  if (WIFEXITED(status))
    return fmt::format("exited with code {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return fmt::format("was killed by signal {}", WTERMSIG(status));
  return "stopped";
}

} // namespace

std::string listening_line(const std::string& host, std::uint16_t port) {
  return fmt::format("listening on {}:{}", host, port);
}

bool parse_listening_line(const std::string& line, std::string& host, std::uint16_t& port) {
  const std::string prefix = "listening on ";
  if (line.rfind(prefix, 0) != 0)
    return false;
  const auto rest = line.substr(prefix.size());
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0)
    return false;
  unsigned value = 0;
  const auto* first = rest.data() + colon + 1;
  const auto* last = rest.data() + rest.size();
  auto [end, ec] = std::from_chars(first, last, value);
  if (ec != std::errc() || end != last || value == 0 || value > 65535)
    return false;
  host = rest.substr(0, colon);
  port = static_cast<std::uint16_t>(value);
  return true;
}

SpawnedServer::SpawnedServer(const SpawnOptions& options) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0)
    throw BackendError(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  if (pipe2(out, O_CLOEXEC) != 0) {
    ::close(in[0]);
    ::close(in[1]);
    throw BackendError(fmt::format("cannot create a pipe: {}", std::strerror(errno)));
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0],
                                   STDIN_FILENO); // dup2 clears O_CLOEXEC
  posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
  // Under a prefix command, /proc/self/exe would name that command: pass the binary's own path.
  std::string executable = options.executable;
  if (!options.prefix.empty() && executable == "/proc/self/exe")
    executable = std::filesystem::read_symlink(executable).string();
  std::vector<std::string> args = options.prefix;
  args.insert(args.end(), {options.prefix.empty() ? "tandem" : executable, // argv[0]
                           "serve", "--host", options.host, "--port", "0", "--workers",
                           std::to_string(options.workers), "--threads",
                           std::to_string(options.threads), "--exit-on-stdin-eof"});
  if (!options.cpus.empty()) {
    args.emplace_back("--cpus");
    args.push_back(options.cpus);
  }
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  const auto& program = options.prefix.empty() ? executable : options.prefix.front();
  const int rc = posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  stdin_fd_ = in[1];
  stdout_fd_ = out[0];
  if (rc != 0) {
    pid_ = -1;
    stop();
    throw BackendError(
        fmt::format("cannot start the server '{}': {}", options.executable, std::strerror(rc)));
  }
  // Read the first line, with a deadline.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(options.timeout_s * 1e3));
  bool got_line = false;
  while (!got_line) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now())
                          .count();
    if (left <= 0)
      break;
    pollfd p{stdout_fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left));
    if (ready < 0 && errno == EINTR)
      continue;
    if (ready <= 0)
      break;
    char c = 0;
    const auto n = ::read(stdout_fd_, &c, 1);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break; // the child closed stdout: it died
    if (c == '\n')
      got_line = true;
    else
      line.push_back(c);
  }
  if (!got_line || !parse_listening_line(line, host_, port_)) {
    std::string why;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      why = exit_status(status);
      pid_ = -1;
    } else {
      why = got_line ? fmt::format("printed '{}' instead of 'listening on HOST:PORT'", line)
                     : fmt::format("did not say where it listens within {} s", options.timeout_s);
    }
    stop();
    throw BackendError(fmt::format("the spawned server ({} serve) {}", options.executable, why));
  }
}

SpawnedServer::~SpawnedServer() {
  stop();
}

void SpawnedServer::kill_now() {
  if (pid_ > 0)
    ::kill(pid_, SIGKILL);
}

void SpawnedServer::stop() {
  if (stdin_fd_ >= 0)
    ::close(stdin_fd_); // the child exits on EOF
  stdin_fd_ = -1;
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    for (int i = 0; i < 200; ++i) { // two seconds
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      pid_ = -1;
    }
  }
  if (stdout_fd_ >= 0)
    ::close(stdout_fd_);
  stdout_fd_ = -1;
}

} // namespace tandem::real

#pragma once
// server = "spawn": a `tandem serve --port 0` child process on this machine for the length of a
// run. The child's first stdout line says which port it got; its stderr is the parent's. Its stdin
// is a pipe from the parent, and it exits when that pipe closes, so it never outlives the parent
// (even one killed with SIGKILL).
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tandem::real {

struct SpawnOptions {
  std::string executable = "/proc/self/exe"; // a `tandem` binary
  std::string host = "127.0.0.1";            // `--host`: where it listens
  // A command the server runs under, e.g. {"/usr/sbin/ip", "netns", "exec", "NS"}; empty: none.
  std::vector<std::string> prefix;
  int workers = 1;
  int threads = 0;
  std::string cpus;      // `--cpus`: CPUs the server is pinned to; "" = not pinned
  double timeout_s = 60; // waiting for the "listening on" line
};

class SpawnedServer {
public:
  // Starts the child and reads its port; throws BackendError when it does not come up.
  explicit SpawnedServer(const SpawnOptions& options);
  // Stops the child (SIGTERM, then SIGKILL after two seconds) and reaps it.
  ~SpawnedServer();
  SpawnedServer(const SpawnedServer&) = delete;
  SpawnedServer& operator=(const SpawnedServer&) = delete;

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Kills the child at once (SIGKILL): a server that dies mid-run, for tests.
  void kill_now();

private:
  void stop();
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  std::string host_ = "127.0.0.1";
  std::uint16_t port_ = 0;
};

// The line `tandem serve` prints first: "listening on HOST:PORT".
std::string listening_line(const std::string& host, std::uint16_t port);
// Reads such a line; false when it is not one.
bool parse_listening_line(const std::string& line, std::string& host, std::uint16_t& port);

} // namespace tandem::real

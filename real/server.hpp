#pragma once
// `tandem serve`: the server half of the real backend. It accepts any number of device connections
// at once; each connection carries one device's conversation (wire.hpp) and owns its model, an
// Executor (side = server) and a tensor store keyed by (inference, task). Compute requests from
// every connection share one pool of `workers` threads, served FIFO.
//
// Robustness: a malformed or oversized message closes that connection with a logged reason (the
// peer gets an error message first when it still listens); the others keep being served. A device
// that disconnects frees its state once its running jobs end.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace tandem::real {

class Executor;

// Runs every layer once on a seeded input, so no measured run is oneDNN's first (primitive JIT,
// first-touch page faults: ten times slower). Opaque layers are skipped: they only wait. Both
// sides do it before the run starts (the server before it answers ready).
void warm_up(Executor& executor);

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 0; // 0: the system picks a free port (see Server::port())
  int workers = 1;        // compute requests run at once, over all connections
  int threads = 0;        // oneDNN threads per layer when a hello asks for 0; 0: every core
  bool verbose = false;   // also log connections that open and close normally
  // Where log lines go (one line each, no newline); default: stderr, prefixed "tandem serve: ".
  std::function<void(const std::string&)> log;
};

class Server {
public:
  // Binds and listens; throws BackendError when the address cannot be used.
  explicit Server(ServerOptions options);
  // Call after run() returned (or was never called).
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  std::uint16_t port() const;
  // Serves on the calling thread until stop().
  void run();
  // Closes the listener and every connection, and makes run() return. Thread-safe.
  void stop();
  // Open connections (for tests).
  std::size_t connections() const;

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace tandem::real

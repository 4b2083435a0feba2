// tandem serve: the server half of the real backend. Prints "listening on HOST:PORT" as its first
// stdout line (port 0 picks a free port), then serves device connections until it is killed
// (SIGINT/SIGTERM stop it cleanly) or, with --exit-on-stdin-eof, until its stdin closes (how a
// spawned server follows its parent). Logs go to stderr.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <memory>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <fmt/format.h>

#include "cli/commands.hpp"
#include "core/emulation.hpp"
#include "core/error.hpp"
#include "real/cpu_pinning.hpp"
#include "real/server.hpp"
#include "real/spawn_server.hpp"

namespace tandem::cli {
namespace {

struct ServeArgs {
  std::string host = "127.0.0.1";
  int port = 0;
  int workers = 1;
  int threads = 0;
  bool verbose = false;
  bool exit_on_eof = false;
  std::string cpus;
};

void serve(const ServeArgs& a) {
  if (!a.cpus.empty()) { // before any thread starts: they inherit the mask
    const auto cpus = parse_cpu_list(a.cpus);
    if (!cpus)
      throw InputError({"command line"}, "--cpus", "a CPU list such as 1, 0-3 or 0,2",
                       fmt::format("'{}'", a.cpus));
    real::pin_this_thread(*cpus);
  }
  real::ServerOptions o;
  o.host = a.host;
  o.port = static_cast<std::uint16_t>(a.port);
  o.workers = a.workers;
  o.threads = a.threads;
  o.verbose = a.verbose;
  real::Server server(o);
  fmt::print("{}\n", real::listening_line(a.host, server.port()));
  std::fflush(stdout);

  // Signals and stdin EOF stop the server from their own threads; run() returns afterwards.
  boost::asio::io_context signals_context;
  boost::asio::signal_set signals(signals_context, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int) {
    if (!ec)
      server.stop();
  });
  std::thread signal_thread([&] { signals_context.run(); });
  std::thread eof_thread;
  if (a.exit_on_eof)
    eof_thread = std::thread([&] {
      char buffer[256];
      while (::read(STDIN_FILENO, buffer, sizeof buffer) > 0) {
      }
      server.stop();
    });
  server.run();
  signals_context.stop();
  signal_thread.join();
  if (eof_thread.joinable())
    eof_thread.detach(); // blocked in read(); the process ends anyway
}

} // namespace

void add_serve_command(CLI::App& app) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve", "serve devices of the real backend over TCP (prints 'listening on HOST:PORT')");
  cmd->add_option("--port", args->port, "TCP port; 0 picks a free one")
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  cmd->add_option("--host", args->host, "address to listen on")->capture_default_str();
  cmd->add_option("--workers", args->workers,
                  "compute requests served at once, over all devices (FIFO)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--threads", args->threads,
                  "oneDNN threads per layer when a device asks for 0; 0: every core")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  cmd->add_option("--cpus", args->cpus,
                  "pin the server to these CPUs (\"1\", \"0-3\", \"0,2\"); default: not pinned");
  cmd->add_flag("--verbose", args->verbose, "also log connections that open and close normally");
  cmd->add_flag("--exit-on-stdin-eof", args->exit_on_eof,
                "stop when stdin closes (used by server = \"spawn\")")
      ->group(""); // hidden
  cmd->callback([args] { serve(*args); });
}

} // namespace tandem::cli

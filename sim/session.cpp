#include "sim/session.hpp"

#include <cstdlib>
#include <exception>

#include <simgrid/Exception.hpp>
#include <simgrid/s4u/Actor.hpp>
#include <simgrid/s4u/Engine.hpp>
#include <xbt/log.h>

#include "core/error.hpp"
#include "sim/sim_backend.hpp"

namespace tandem::sim {
namespace sg4 = simgrid::s4u;

namespace {

bool engine_created = false;
bool deadlock_seen = false; // set by SimGrid's on_deadlock signal, which outlives the call

std::string log_control(const SessionOptions& options) {
  if (!options.simgrid_log.empty())
    return options.simgrid_log;
  if (const char* env = std::getenv("TANDEM_SIMGRID_LOG"); env != nullptr && *env != '\0')
    return env;
  return "root.thres:critical";
}

} // namespace

bool simulation_has_run() {
  return engine_created;
}

void run_simulation(const PlatformSpec& spec, const std::function<void(Backend&)>& body,
                    const SessionOptions& options) {
  if (engine_created)
    throw BackendError("run_simulation: SimGrid 3.32 allows one engine per process and this "
                       "process already ran one; run each simulation in its own process (fork)");
  validate(spec); // before SimGrid, so a bad spec is an exception and not an abort
  engine_created = true;

  int argc = 1;
  char name[] = "tandem";
  char* argv[] = {name, nullptr};
  sg4::Engine engine(&argc, argv);
  // Before any configuration, so the "Configuration change" lines are silenced too.
  xbt_log_control_set(log_control(options).c_str());
  pin_network_model();
  for (const auto& cfg : options.simgrid_config)
    sg4::Engine::set_config(cfg);
  const Platform platform = build_platform(spec);

  std::exception_ptr error;
  sg4::Engine::on_deadlock_cb([] { deadlock_seen = true; });
  sg4::Actor::create("tandem-runtime", platform.server, [&] {
    SimBackend backend(platform);
    try {
      body(backend);
    } catch (const simgrid::ForcefulKillException&) {
      throw; // SimGrid unwinding a killed actor (after a deadlock): let it through
    } catch (...) {
      // An exception escaping an actor would abort the process; carry it out instead.
      error = std::current_exception();
    }
    // A run that stopped early leaves activities behind; SimGrid would otherwise go on
    // simulating them.
    backend.cancel_all();
  });
  engine.run();
  if (error)
    std::rethrow_exception(error);
  if (deadlock_seen)
    throw BackendError("SimGrid reported a deadlock (\"Oops! Deadlock detected\"): the simulated "
                       "runtime was blocked with nothing left to happen (a backend bug)");
}

} // namespace tandem::sim

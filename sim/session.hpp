#pragma once
// One simulation: creates the SimGrid engine, pins the network model, builds the platform and runs
// the caller's code (the runtime) in a SimGrid actor on host `server`, with a SimBackend.
//
// ONE SIMULATION PER PROCESS. SimGrid 3.32 cannot create a second engine in a process (it aborts in
// its config code), so a second call throws BackendError before touching SimGrid. Callers that
// run several simulations fork a child per run (tests: doctest_discover_tests gives every
// TEST_CASE its own process).
//
// Errors: an exception thrown by `body` inside the actor is caught there and rethrown, unchanged,
// from run_simulation once the engine has stopped. A SimGrid deadlock ("Oops! Deadlock detected")
// becomes a BackendError. SimGrid's own logging is silenced below CRITICAL (failed SimGrid
// assertions still print before SimGrid aborts); SessionOptions::simgrid_log or the environment
// variable TANDEM_SIMGRID_LOG (an xbt log control string such as "root.thres:info") turn it back on
// for debugging.
#include <functional>
#include <string>
#include <vector>

#include "core/runtime/backend.hpp"
#include "sim/platform.hpp"

namespace tandem::sim {

struct SessionOptions {
  // xbt log control, e.g. "root.thres:info" or "ker_engine.thres:debug"; empty: the environment
  // variable TANDEM_SIMGRID_LOG if set, else "root.thres:critical".
  std::string simgrid_log;
  // Extra SimGrid configuration, "key:value" as after --cfg= (e.g. "tracing:yes"), applied after
  // Tandem's own settings, for debugging only: changing the network model breaks exact times.
  std::vector<std::string> simgrid_config;
};

void run_simulation(const PlatformSpec& platform, const std::function<void(Backend&)>& body,
                    const SessionOptions& options = {});

// True once run_simulation has been called in this process (a second call would throw).
bool simulation_has_run();

} // namespace tandem::sim

#pragma once
// One run of an experiment made concrete: its config turned into a model, a task graph, a cost
// table and a scheduler factory, checked before anything runs (a bad scheduler name or device spec
// is an InputError naming the config line). Backend-agnostic: sim/ and real/ each take a
// PreparedRun and add their own machines.
#include <memory>

#include "core/config/sweep.hpp"
#include "core/cost_table.hpp"
#include "core/model.hpp"
#include "core/runtime/runtime.hpp"
#include "core/runtime/scheduler_registry.hpp"

namespace tandem {

struct PreparedRun {
  RunConfig run;
  std::unique_ptr<Model> model; // owned here: the task graph points into it
  std::unique_ptr<TaskGraph> graph;
  std::unique_ptr<CostTable> costs;
  const SchedulerRegistry* registry = nullptr;

  const ExperimentConfig& config() const { return run.config; }
  // The runtime's set-up: one scheduler per device from the registry, estimator from the config.
  RuntimeSetup runtime_setup() const;
};

PreparedRun prepare_run(RunConfig run, const SchedulerRegistry& registry);

} // namespace tandem

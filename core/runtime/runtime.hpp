#pragma once
// The one event loop (design.md): arrivals -> scheduler -> validate -> queue -> dispatch to the
// Backend -> completions -> estimator, observers, scheduler callbacks. All queueing lives here, so
// the SimGrid and real backends execute the same decisions in the same order.
//
// Resources: per device a compute unit, an uplink sender and a downlink receiver (one activity at a
// time each); one server pool of `server_workers` slots shared by every device, FIFO by readiness;
// optionally one uplink shared by all devices. A transfer holds its link for its serialization time
// and arrives `link_latency_s` later, so back-to-back tensors pipeline on the link as over TCP.
// Ties break by (time, kind, id): completions first, then deliveries, then arrivals by device.
//
// Server loss: when the backend reports an activity abandoned (Backend::abandoned), that device's
// live inferences are re-placed on the device, what only the server held is recomputed there, and
// its later inferences run whole on the device; all are marked fallback. Records stay truthful: a
// task redone locally is a device compute row, abandoned activities leave no row.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/cost_table.hpp"
#include "core/runtime/backend.hpp"
#include "core/runtime/records.hpp"
#include "core/runtime/scheduler.hpp"
#include "core/runtime/task_graph.hpp"
#include "core/runtime/workload.hpp"

namespace tandem {

struct RuntimeSetup {
  const TaskGraph* graph = nullptr;
  const CostTable* planning_costs = nullptr; // what schedulers see
  const CostTable* actual_costs =
      nullptr; // what compute is charged (simulation); may equal the above
  int devices = 1;
  int server_workers = 1;
  bool shared_uplink = false;
  Seconds link_latency_s = 0;            // one-way, both directions
  BytesPerSecond initial_uplink_bps = 0; // estimator start values
  BytesPerSecond initial_downlink_bps = 0;
  double ewma_alpha = 0.3;
  WorkloadConfig workload;
  std::uint64_t seed = 1;
  std::string scheduler_name;
  // One scheduler instance per device (schedulers may keep state).
  std::function<std::unique_ptr<Scheduler>(int device)> make_scheduler;
};

struct RunStats {
  std::uint64_t inferences = 0;
  std::uint64_t activities = 0; // compute tasks and transfers started
  Seconds end_s = 0;
};

class Runtime {
public:
  Runtime(RuntimeSetup setup, Backend& backend, std::vector<RunObserver*> observers);
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Runs every arrival of the workload to completion. Throws PlanError on a bad decision.
  RunStats run();

private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

} // namespace tandem

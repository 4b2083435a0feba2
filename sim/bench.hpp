#pragma once
// How fast the simulator runs (`tandem bench`): N devices each streaming a model at `fps` for
// `duration_s` simulated seconds over a bandwidth trace, through the real runtime on the SimGrid
// backend. Runs one simulation, so at most once per process (session.hpp).
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/runtime/scheduler.hpp"
#include "core/units.hpp"
#include "traces/bandwidth_trace.hpp"

namespace tandem::sim {

enum class BenchPlan {
  device_only, // every layer on the device: compute activities only
  best_split,  // Neurosurgeon-like: the topological prefix cut with the lowest predicted latency
               // at the trace's mean rates, the same for every inference
};

struct BenchSpec {
  std::string model = "resnet50"; // a zoo name or a model JSON path
  int devices = 1;
  double fps = 30;
  // Arrivals at exactly k / fps on every device (all devices in step, so their activities end
  // together), or Poisson at the same mean rate, seeded per device (no two events coincide: the
  // harder case for the backend).
  bool poisson = false;
  Seconds duration_s = 10; // simulated; arrivals stop then and the run drains what is in flight
  int server_workers = 4;
  Seconds link_latency_s = 0.005; // one-way
  // Cost model specs (core/device_spec.hpp) and the threads a task uses (0: every core).
  std::string device_spec = "desktop-cpu";
  int device_threads = 0;
  std::string server_spec = "server-gpu";
  int server_threads = 0;
  // Per device (or shared by all when shared_uplink). Empty: default_bench_trace().
  std::optional<BandwidthTrace> uplink;
  std::optional<BandwidthTrace> downlink;
  bool shared_uplink = false;
  BenchPlan plan = BenchPlan::best_split;
  // When set, replaces `plan` (e.g. a scheduler from the registry); scheduler_name names it.
  std::function<std::unique_ptr<Scheduler>(int device)> make_scheduler;
  std::string scheduler_name;
};

struct BenchResult {
  double wall_s = 0;       // wall-clock time of the runtime's loop (engine set-up excluded)
  double cpu_s = 0;        // process CPU time of the same loop (steadier on a loaded machine)
  double setup_wall_s = 0; // model and cost table before it
  Seconds simulated_s = 0; // simulated time at the end of the run
  std::uint64_t inferences = 0;
  std::uint64_t activities = 0; // compute tasks and transfers the runtime started
  Seconds mean_latency_s = 0;
  std::string plan_note; // what the plan does ("split after layer3.0.conv2", "all on device")
  double speedup() const { return wall_s > 0 ? simulated_s / wall_s : 0; } // x real time
  double cpu_speedup() const { return cpu_s > 0 ? simulated_s / cpu_s : 0; }
};

// A looping 10 s trace: 40 Mbit/s for 5 s, then 10 Mbit/s.
BandwidthTrace default_bench_trace();

BenchResult run_bench(const BenchSpec& spec);

} // namespace tandem::sim

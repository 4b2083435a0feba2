#include "sim/bench.hpp"

#include <chrono>
#include <ctime>
#include <limits>

#include <fmt/format.h>

#include "core/cost_table.hpp"
#include "core/device_spec.hpp"
#include "core/error.hpp"
#include "core/model_source.hpp"
#include "core/runtime/runtime.hpp"
#include "core/runtime/task_graph.hpp"
#include "sim/session.hpp"

namespace tandem::sim {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

const DeviceSpec& spec_named(const std::string& name) {
  const auto* spec = find_device_spec(name);
  if (spec == nullptr)
    throw InputError(SourceLocation{"bench"}, "device spec", "a built-in device spec",
                     fmt::format("'{}'", name));
  return *spec;
}

// The plan with the first k tasks of the topological order on the device and the rest on the
// server, for the k with the lowest predicted latency of one inference on an idle system.
// Predicted as Neurosurgeon does: compute on each side in sequence plus the crossing tensors.
Plan best_split_plan(const TaskGraph& graph, const CostTable& costs, BytesPerSecond up_bps,
                     BytesPerSecond down_bps, Seconds latency_s) {
  const auto& order = graph.topological_order();
  const auto time = [&](TaskId t, Side side) {
    const auto& task = graph.task(t);
    return task.is_input ? 0.0 : costs.time(task.layer, side) / task.tiles;
  };
  Plan best;
  Seconds best_latency = std::numeric_limits<Seconds>::infinity();
  for (std::size_t k = order.size(); k >= 1; --k) { // k = size: all on the device
    Plan p = Plan::all_on(Side::device, graph);
    for (std::size_t i = k; i < order.size(); ++i)
      p.placement[index_of(order[i])] = Side::server;
    Seconds device_s = 0, server_s = 0;
    double up_bytes = 0, down_bytes = 0;
    for (const auto& task : graph.tasks()) {
      const Side side = p.side_of(task.id);
      (side == Side::device ? device_s : server_s) += time(task.id, side);
      const auto bytes = static_cast<double>(graph.output_bytes(task.id, Precision::fp32()));
      if (side == Side::device) {
        for (auto c : task.consumers)
          if (p.side_of(c) == Side::server) {
            up_bytes += bytes;
            break;
          }
      } else if (task.is_output) {
        down_bytes += bytes;
      }
    }
    Seconds latency = device_s + server_s;
    if (up_bytes > 0)
      latency += latency_s + up_bytes / up_bps;
    if (down_bytes > 0)
      latency += latency_s + down_bytes / down_bps;
    if (latency < best_latency) {
      best_latency = latency;
      best = std::move(p);
      best.note = k == order.size() ? std::string("all on device")
                                    : fmt::format("split after {}", graph.task_name(order[k - 1]));
    }
  }
  return best;
}

class FixedPlanScheduler : public Scheduler {
public:
  explicit FixedPlanScheduler(Plan p) : plan_(std::move(p)) {}
  Plan plan(const SystemView&) override { return plan_; }

private:
  Plan plan_;
};

struct LatencyTotal : RunObserver {
  void on_inference(const InferenceRecord& r) override {
    ++count;
    total_s += r.finish_s - r.arrival_s;
  }
  std::uint64_t count = 0;
  Seconds total_s = 0;
};

} // namespace

BandwidthTrace default_bench_trace() {
  return BandwidthTrace({{0, mbps_to_bytes_per_s(40)}, {5, mbps_to_bytes_per_s(10)}}, 10, true,
                        "bench: 40 Mbit/s for 5 s, then 10 Mbit/s, looping");
}

BenchResult run_bench(const BenchSpec& spec) {
  const auto setup_start = Clock::now();
  const Model model = load_model(spec.model, ZooParams{}, SourceLocation{"bench"});
  const TaskGraph graph = TaskGraph::per_layer(model);
  const CostTable costs =
      CostTable::predict(model, {&spec_named(spec.device_spec), spec.device_threads},
                         {&spec_named(spec.server_spec), spec.server_threads});
  const BandwidthTrace up = spec.uplink ? *spec.uplink : default_bench_trace();
  const BandwidthTrace down = spec.downlink ? *spec.downlink : default_bench_trace();

  PlatformSpec platform;
  platform.devices = spec.devices;
  platform.server_workers = spec.server_workers;
  platform.shared_uplink = spec.shared_uplink;
  platform.uplink.assign(spec.shared_uplink ? 1 : static_cast<std::size_t>(spec.devices), up);
  platform.downlink.assign(static_cast<std::size_t>(spec.devices), down);

  RuntimeSetup setup;
  setup.graph = &graph;
  setup.planning_costs = setup.actual_costs = &costs;
  setup.devices = spec.devices;
  setup.server_workers = spec.server_workers;
  setup.shared_uplink = spec.shared_uplink;
  setup.link_latency_s = spec.link_latency_s;
  setup.initial_uplink_bps = up.mean_bps();
  setup.initial_downlink_bps = down.mean_bps();
  setup.workload.kind = spec.poisson ? WorkloadKind::poisson : WorkloadKind::periodic;
  setup.workload.fps = spec.fps;
  setup.workload.rate_per_s = spec.fps;
  setup.workload.duration_s = spec.duration_s;
  setup.workload.count = std::numeric_limits<int>::max(); // the duration ends the stream
  if (spec.make_scheduler) {
    setup.scheduler_name = spec.scheduler_name;
    setup.make_scheduler = spec.make_scheduler;
  } else {
    Plan plan =
        spec.plan == BenchPlan::device_only
            ? Plan::all_on(Side::device, graph)
            : best_split_plan(graph, costs, up.mean_bps(), down.mean_bps(), spec.link_latency_s);
    if (spec.plan == BenchPlan::device_only)
      plan.note = "all on device";
    setup.scheduler_name =
        spec.plan == BenchPlan::device_only ? "bench-device-only" : "bench-best-split";
    setup.make_scheduler = [plan](int) { return std::make_unique<FixedPlanScheduler>(plan); };
  }

  BenchResult result;
  LatencyTotal latencies;
  struct PlanNote : RunObserver {
    void on_inference(const InferenceRecord& r) override {
      if (note.empty())
        note = r.plan_note;
    }
    std::string note;
  } note;
  result.setup_wall_s = seconds_since(setup_start);
  run_simulation(platform, [&](Backend& backend) {
    Runtime runtime(setup, backend, {&latencies, &note});
    const auto start = Clock::now();
    const std::clock_t cpu_start = std::clock();
    const RunStats stats = runtime.run();
    result.cpu_s = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    result.wall_s = seconds_since(start);
    result.simulated_s = stats.end_s;
    result.inferences = stats.inferences;
    result.activities = stats.activities;
  });
  result.mean_latency_s =
      latencies.count > 0 ? latencies.total_s / static_cast<double>(latencies.count) : 0;
  result.plan_note = note.note;
  return result;
}

} // namespace tandem::sim

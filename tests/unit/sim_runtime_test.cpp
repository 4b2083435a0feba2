// The runtime end to end on the SimGrid backend: closed-form latencies of the two trivial plans,
// the same stream op for op against the AnalyticBackend, and the bench hook.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "core/device_spec.hpp"
#include "core/model_json.hpp"
#include "core/runtime/analytic_backend.hpp"
#include "core/runtime/runtime.hpp"
#include "schedulers/baselines/all_on_one_side.hpp"
#include "sim/bench.hpp"
#include "sim/session.hpp"

using namespace tandem;
using namespace tandem::sim;

namespace {

struct Tiny {
  Tiny()
      : model(read_model_json(std::string(TANDEM_SOURCE_DIR) + "/tests/data/model-tiny.json")),
        graph(TaskGraph::per_layer(model)),
        costs(CostTable::predict(model, {find_device_spec("rpi4"), 1},
                                 {find_device_spec("desktop-cpu"), 0})) {}
  Model model;
  TaskGraph graph;
  CostTable costs;
};

struct Collect : RunObserver {
  void on_op(const OpRecord& op) override { ops.push_back(op); }
  void on_inference(const InferenceRecord& r) override { inferences.push_back(r); }
  std::vector<OpRecord> ops;
  std::vector<InferenceRecord> inferences;
};

constexpr double kUpBps = 1.25e6;   // 10 Mbit/s
constexpr double kDownBps = 2.5e6;  // 20 Mbit/s
constexpr Seconds kLatency = 0.004; // one-way

RuntimeSetup setup_for(const Tiny& t, Side side, int devices, WorkloadConfig workload) {
  RuntimeSetup s;
  s.graph = &t.graph;
  s.planning_costs = s.actual_costs = &t.costs;
  s.devices = devices;
  s.server_workers = 2;
  s.link_latency_s = kLatency;
  s.initial_uplink_bps = kUpBps;
  s.initial_downlink_bps = kDownBps;
  s.workload = workload;
  s.scheduler_name = side == Side::device ? "device-only" : "server-only";
  s.make_scheduler = [side](int) { return std::make_unique<AllOnOneSideScheduler>(side); };
  return s;
}

PlatformSpec platform_for(int devices) {
  PlatformSpec p;
  p.devices = devices;
  p.server_workers = 2;
  for (int d = 0; d < devices; ++d) {
    p.uplink.push_back(BandwidthTrace::constant(kUpBps));
    p.downlink.push_back(BandwidthTrace::constant(kDownBps));
  }
  return p;
}

Collect run_on_simgrid(const Tiny& t, Side side, int devices, WorkloadConfig workload) {
  Collect c;
  run_simulation(platform_for(devices), [&](Backend& backend) {
    Runtime(setup_for(t, side, devices, workload), backend, {&c}).run();
  });
  return c;
}

double relative_error(double got, double expected) {
  return std::abs(got - expected) / std::abs(expected);
}

} // namespace

TEST_CASE("sim: device-only latency on SimGrid is the sum of the device times") {
  const Tiny t;
  const auto c = run_on_simgrid(t, Side::device, 1, WorkloadConfig{});
  REQUIRE(c.inferences.size() == 1);
  const auto& r = c.inferences.front();
  CHECK(relative_error(r.finish_s - r.arrival_s, 0.0125 + 0.001) <= 1e-9);
  CHECK(r.uplink_bytes == 0);
  CHECK(r.device_tasks == 2);
}

TEST_CASE("sim: server-only latency on SimGrid is upload + server times + download + latencies") {
  const Tiny t;
  const auto c = run_on_simgrid(t, Side::server, 1, WorkloadConfig{});
  REQUIRE(c.inferences.size() == 1);
  const auto& r = c.inferences.front();
  const Seconds expected =
      602112 / kUpBps + kLatency + (0.4e-3 + 0.1e-3) + 4000 / kDownBps + kLatency;
  CHECK(relative_error(r.finish_s - r.arrival_s, expected) <= 1e-9);
  CHECK(r.uplink_bytes == 602112);
  CHECK(r.downlink_bytes == 4000);
  CHECK(r.server_tasks == 2);
}

TEST_CASE("sim: a pipelined stream on SimGrid matches the AnalyticBackend op for op") {
  const Tiny t;
  WorkloadConfig w;
  w.kind = WorkloadKind::periodic;
  w.fps = 5; // faster than the uplink drains inputs (0.48 s each): queues build up
  w.count = 6;
  const auto sim = run_on_simgrid(t, Side::server, 2, w);

  Collect ref;
  AnalyticBackend analytic({kUpBps, kUpBps}, {kDownBps, kDownBps});
  Runtime(setup_for(t, Side::server, 2, w), analytic, {&ref}).run();

  REQUIRE(sim.ops.size() == ref.ops.size());
  REQUIRE(sim.inferences.size() == 12);
  auto key = [](const OpRecord& o) {
    return std::tuple(o.device, o.inference, index_of(o.task), static_cast<int>(o.kind),
                      static_cast<int>(o.direction));
  };
  auto a = sim.ops, b = ref.ops;
  auto by_key = [&](const OpRecord& x, const OpRecord& y) { return key(x) < key(y); };
  std::sort(a.begin(), a.end(), by_key);
  std::sort(b.begin(), b.end(), by_key);
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    REQUIRE(key(a[i]) == key(b[i]));
    CHECK(a[i].worker == b[i].worker);
    worst =
        std::max({worst, std::abs(a[i].start_s - b[i].start_s), std::abs(a[i].end_s - b[i].end_s)});
  }
  CHECK(worst <= 1e-9);
  MESSAGE("largest start/end difference from the AnalyticBackend: " << worst << " s");
}

TEST_CASE("sim: the bench hook streams a model and counts what it ran") {
  BenchSpec spec;
  spec.model = std::string(TANDEM_SOURCE_DIR) + "/tests/data/model-tiny.json";
  spec.devices = 3;
  spec.fps = 20;
  spec.duration_s = 1.0;
  spec.device_spec = "rpi4";
  spec.server_spec = "desktop-cpu";
  const auto r = run_bench(spec);
  CHECK(r.inferences == 3 * 20);
  CHECK(r.activities >= r.inferences * 2);
  CHECK(r.simulated_s >= 0.95);
  CHECK(r.wall_s > 0);
  CHECK_FALSE(r.plan_note.empty());
}

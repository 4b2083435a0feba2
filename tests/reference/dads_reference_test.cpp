// DADS (light load) against brute force: on random DAGs of up to 10 layers, the minimum cut equals
// the best of dads_objective over every valid device set (the input in it, closed under
// predecessors), and its plan is valid. On chains the objective is the measured latency.
#include <doctest/doctest.h>

#include <limits>

#include "schedulers/dads/dads.hpp"
#include "schedulers/neurosurgeon/neurosurgeon.hpp"
#include "tests/reference/reference_support.hpp"

using namespace tandem;
using namespace tandem::reference;

namespace {

struct BruteForce {
  Seconds best = std::numeric_limits<double>::infinity();
  std::size_t valid_sets = 0;
};

// Every subset of the tasks as a bit mask; valid ones hold the input and every predecessor of
// each member.
BruteForce brute_force(const Instance& inst) {
  const auto& graph = inst.graph;
  const auto n = graph.size();
  const auto view = inst.view();
  BruteForce out;
  std::vector<bool> on_device(n);
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (!(mask >> index_of(graph.input()) & 1u))
      continue;
    bool closed = true;
    for (const auto& task : graph.tasks())
      for (auto in : task.inputs)
        closed &= !(mask >> index_of(task.id) & 1u) || (mask >> index_of(in) & 1u);
    if (!closed)
      continue;
    for (std::size_t i = 0; i < n; ++i)
      on_device[i] = mask >> i & 1u;
    out.best = std::min(out.best, dads_objective(view, on_device));
    ++out.valid_sets;
  }
  return out;
}

} // namespace

TEST_CASE("reference: dads equals brute force over every valid device set on random DAGs") {
  Draw d(4242);
  constexpr int kInstances = 6000;
  std::size_t sets = 0;
  int split = 0;
  for (int i = 0; i < kInstances; ++i) {
    const auto inst = random_dag(d, d.integer(1, 10));
    const auto view = inst->view();
    const auto cut = dads_min_cut(view);
    const auto brute = brute_force(*inst);
    sets += brute.valid_sets;
    INFO("instance ", i, " (", inst->model.name(), ", ", inst->graph.size(), " tasks)");
    CHECK(close(cut.objective_s, brute.best));
    CHECK(close(cut.objective_s, dads_objective(view, cut.on_device)));

    DadsScheduler scheduler;
    const auto plan = scheduler.plan(view);
    CHECK_NOTHROW(validate(plan, inst->graph, "dads"));
    for (const auto& task : inst->graph.tasks())
      for (auto in : task.inputs)
        CHECK((plan.side_of(task.id) == Side::server || plan.side_of(in) == Side::device));
    const auto devices = std::count(plan.placement.begin(), plan.placement.end(), Side::device);
    split += devices > 1 && devices < static_cast<long>(inst->graph.size());
    // The additive model serializes what the runtime overlaps and charges a latency per tensor:
    // an upper bound of the measured latency.
    const auto measured = run_plan(inst->graph, inst->costs, plan, inst->link).latency_s();
    CHECK(measured <= cut.objective_s * (1 + 1e-9));
  }
  MESSAGE(kInstances, " DAGs, ", sets, " valid device sets evaluated, ", split,
          " optimal cuts strictly between device-only and server-only");
  CHECK(split > kInstances / 20);
}

TEST_CASE(
    "reference: on chains the dads objective is the measured latency and matches neurosurgeon") {
  Draw d(99);
  for (int i = 0; i < 500; ++i) {
    const auto inst = random_chain(d, d.integer(1, 12));
    const auto view = inst->view();
    DadsScheduler scheduler;
    const auto run = run_single_inference(inst->graph, inst->costs, scheduler, inst->link);
    INFO("instance ", i);
    CHECK(close(run.latency_s(), scheduler.last_predicted_s()));
    const auto ns = neurosurgeon_predictions(view);
    CHECK(close(scheduler.last_predicted_s(), *std::min_element(ns.begin(), ns.end())));
  }
}

TEST_CASE("reference: dads stays exact when costs span many orders of magnitude") {
  // The max-flow runs on integer capacities scaled from seconds; costs from a microsecond to
  // minutes on one graph must still give the brute-force optimum.
  Draw d(8128);
  for (int i = 0; i < 1000; ++i) {
    auto options = random_options(d, d.integer(1, 10));
    options.device_ms = {1e-3, d.log_uniform(1e-2, 1e5)};
    options.server_ms = {0.0, d.log_uniform(1e-3, 1e4)};
    options.output_bytes = {1, d.log_uniform(10, 1e9)};
    options.input_bytes = static_cast<Bytes>(d.log_uniform(1, 1e9));
    ConstantLink link{d.log_uniform(1e3, 1e10), d.log_uniform(1e3, 1e10),
                      d.unit() < 0.5 ? 0.0 : d.log_uniform(1e-6, 1)};
    Instance inst(synthetic::random_dag(options, d.uniform(0.1, 0.9)), link);
    INFO("instance ", i);
    CHECK(close(dads_min_cut(inst.view()).objective_s, brute_force(inst).best));
  }
}

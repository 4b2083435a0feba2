// exact::evaluate replays the runtime: on random DAGs with random placements (closed or not),
// random priorities, server pools and links, its latency is the very double run_plan measures.
// Instances with zero-time layers, empty latency and tiny tensors make simultaneous events common,
// so the batching of ties is exercised too.
#include <doctest/doctest.h>

#include <numeric>

#include "schedulers/exact/plan_evaluator.hpp"
#include "tests/reference/reference_support.hpp"

using namespace tandem;
using namespace tandem::reference;

namespace {

std::unique_ptr<Instance> tie_heavy_dag(Draw& d, int layers) {
  auto o = random_options(d, layers);
  // Whole milliseconds and round sizes on a round link: many events at equal times.
  o.device_ms = {0, static_cast<double>(d.integer(0, 3))};
  o.server_ms = {0, static_cast<double>(d.integer(0, 2))};
  o.output_bytes = {1, static_cast<double>(d.integer(1, 3)) * 1000};
  o.input_bytes = static_cast<Bytes>(d.integer(1, 3) * 1000);
  ConstantLink link{1e6, d.unit() < 0.5 ? 1e6 : 2e6, d.unit() < 0.5 ? 0.0 : 0.001};
  return std::make_unique<Instance>(synthetic::random_dag(o, d.uniform(0.1, 0.8)), link);
}

Plan random_plan(Draw& d, const TaskGraph& graph, bool closed) {
  const auto n = graph.size();
  Plan plan = Plan::all_on(Side::device, graph);
  const double p_server = d.unit();
  for (auto t : graph.topological_order()) {
    if (t == graph.input())
      continue;
    bool server = d.unit() < p_server;
    if (closed)
      for (auto in : graph.task(t).inputs)
        server |= plan.side_of(in) == Side::server;
    plan.placement[index_of(t)] = server ? Side::server : Side::device;
  }
  if (d.unit() < 0.8) {
    plan.priority.resize(n);
    for (auto& p : plan.priority)
      p = d.integer(0, static_cast<int>(n));
  }
  if (d.unit() < 0.6) {
    plan.transfer_priority.resize(n);
    for (auto& p : plan.transfer_priority)
      p = d.integer(0, static_cast<int>(n));
  }
  return plan;
}

} // namespace

TEST_CASE("reference: exact evaluator equals run_plan on random plans") {
  Draw d(20210621);
  constexpr int kInstances = 3000;
  int ties = 0, open = 0;
  for (int i = 0; i < kInstances; ++i) {
    const bool tie_heavy = i % 3 == 0;
    const auto inst =
        tie_heavy ? tie_heavy_dag(d, d.integer(1, 12)) : random_dag(d, d.integer(1, 12));
    const int workers = d.integer(1, 3);
    auto view = inst->view();
    view.server_workers = workers;
    const auto problem = exact::Problem::from_view(view);
    const bool closed = d.unit() < 0.7;
    const auto plan = random_plan(d, inst->graph, closed);
    INFO("instance ", i, " (", inst->model.name(), ", ", workers, " server workers)");
    const auto measured = run_plan(inst->graph, inst->costs, plan, inst->link, workers).latency_s();
    CHECK(exact::evaluate(problem, plan, inst->graph) == measured); // the same doubles
    ties += tie_heavy;
    open += !closed;
  }
  MESSAGE(kInstances, " random plans (", ties, " on tie-heavy instances, ", open,
          " with placements not closed under predecessors) evaluated as run_plan measures them");
}

TEST_CASE("reference: a realized plan replays the schedule its choices made") {
  // Drive the simulation with random choices; the start orders, as a plan, make run_plan produce
  // the same latency, and every lower bound met on the way holds.
  Draw d(77);
  for (int i = 0; i < 1500; ++i) {
    const auto inst = i % 2 ? tie_heavy_dag(d, d.integer(1, 10)) : random_dag(d, d.integer(1, 10));
    const int workers = d.integer(1, 2);
    auto view = inst->view();
    view.server_workers = workers;
    const auto problem = exact::Problem::from_view(view);
    const auto plan = random_plan(d, inst->graph, true);
    exact::Simulation sim(problem, plan.placement);
    std::vector<Seconds> bounds{sim.lower_bound()};
    while (sim.advance()) {
      bounds.push_back(sim.lower_bound());
      const auto& c = sim.candidates();
      sim.choose(c[static_cast<std::size_t>(d.integer(0, static_cast<int>(c.size()) - 1))]);
    }
    const auto realized = sim.realized_plan();
    INFO("instance ", i);
    const auto measured =
        run_plan(inst->graph, inst->costs, realized, inst->link, workers).latency_s();
    CHECK(sim.finish_s() == measured);
    // The bound held at every decision, for this continuation as for any other.
    for (auto b : bounds)
      CHECK(b <= sim.finish_s() * (1 + 1e-12));
  }
}

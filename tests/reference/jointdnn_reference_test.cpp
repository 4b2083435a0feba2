// JointDNN against brute force: on random chains the shortest path equals the best of all 2^n
// placements under its cost model, that model is what the runtime measures for every placement,
// and the scheduler's measured latency is its prediction. On random DAGs the shortest path still
// equals brute force under jointdnn_cost (the live-tensor model of NOTES.md).
#include <doctest/doctest.h>

#include <limits>

#include "schedulers/jointdnn/jointdnn.hpp"
#include "schedulers/neurosurgeon/neurosurgeon.hpp"
#include "tests/reference/reference_support.hpp"

using namespace tandem;
using namespace tandem::reference;

namespace {

// Placement from a mask over the tasks after the input (bit p-1 set: order[p] on the server).
std::vector<Side> placement_of(const TaskGraph& graph, std::uint32_t mask) {
  std::vector<Side> placement(graph.size(), Side::device);
  const auto& order = graph.topological_order();
  for (std::size_t p = 1; p < order.size(); ++p)
    if (mask >> (p - 1) & 1u)
      placement[index_of(order[p])] = Side::server;
  return placement;
}

// The chain cost written out independently of the scheduler: each layer's time on its side, each
// tensor whose consumer runs on the other side sent once (latency + bytes / rate), and the output
// downloaded when the server computed it.
Seconds chain_cost(const Instance& inst, const std::vector<Side>& placement) {
  const auto& g = inst.graph;
  const auto& order = g.topological_order();
  auto rate = [&](Side to) {
    return to == Side::server ? inst.link.uplink_bps : inst.link.downlink_bps;
  };
  Seconds total = 0;
  for (std::size_t p = 0; p < order.size(); ++p) {
    const auto t = order[p];
    const auto side = placement[index_of(t)];
    if (!g.task(t).is_input)
      total += inst.costs.time(g.task(t).layer, side);
    if (p + 1 < order.size()) {
      const auto next = placement[index_of(order[p + 1])];
      if (next != side)
        total += inst.link.latency_s +
                 static_cast<double>(g.output_bytes(t, Precision::fp32())) / rate(next);
    } else if (side == Side::server) {
      total += inst.link.latency_s +
               static_cast<double>(g.output_bytes(t, Precision::fp32())) / rate(Side::device);
    }
  }
  return total;
}

} // namespace

TEST_CASE("reference: jointdnn equals brute force over all placements of random chains") {
  Draw d(31337);
  constexpr int kInstances = 3000;
  std::size_t placements = 0;
  int multi_switch = 0;
  for (int i = 0; i < kInstances; ++i) {
    const auto inst = random_chain(d, d.integer(1, 10));
    const auto view = inst->view();
    const auto layers = inst->graph.size() - 1;
    Seconds best = std::numeric_limits<double>::infinity();
    for (std::uint32_t mask = 0; mask < (1u << layers); ++mask) {
      const auto placement = placement_of(inst->graph, mask);
      const auto cost = chain_cost(*inst, placement);
      ++placements;
      INFO("instance ", i, ", placement mask ", mask);
      CHECK(close(jointdnn_cost(view, placement), cost));
      best = std::min(best, cost);
    }
    const auto path = jointdnn_shortest_path(view);
    INFO("instance ", i);
    CHECK(close(path.cost_s, best));
    CHECK(close(jointdnn_cost(view, path.placement), path.cost_s));
    // A single split is one of JointDNN's paths: it can only do as well or better.
    const auto ns = neurosurgeon_predictions(view);
    CHECK(path.cost_s <= *std::min_element(ns.begin(), ns.end()) * (1 + 1e-9));
    const auto& order = inst->graph.topological_order();
    int switches = 0;
    for (std::size_t p = 1; p < order.size(); ++p)
      switches += path.placement[index_of(order[p])] != path.placement[index_of(order[p - 1])];
    multi_switch += switches > 1;
  }
  MESSAGE(kInstances, " chains, ", placements, " placements evaluated, ", multi_switch,
          " optima with more than one switch");
  CHECK(multi_switch > 0);
}

TEST_CASE(
    "reference: on chains the runtime measures exactly the jointdnn cost of every placement") {
  Draw d(2718);
  std::size_t measured_placements = 0;
  for (int i = 0; i < 500; ++i) {
    const auto inst = random_chain(d, d.integer(1, 7));
    const auto view = inst->view();
    const auto layers = inst->graph.size() - 1;
    for (std::uint32_t mask = 0; mask < (1u << layers); ++mask) {
      auto plan = Plan::all_on(Side::device, inst->graph);
      plan.placement = placement_of(inst->graph, mask);
      const auto measured = run_plan(inst->graph, inst->costs, plan, inst->link).latency_s();
      ++measured_placements;
      INFO("instance ", i, ", placement mask ", mask);
      CHECK(close(measured, jointdnn_cost(view, plan.placement)));
    }
    JointDnnScheduler scheduler;
    const auto run = run_single_inference(inst->graph, inst->costs, scheduler, inst->link);
    INFO("instance ", i);
    CHECK(close(run.latency_s(), scheduler.last_predicted_s()));
  }
  MESSAGE(measured_placements, " chain placements measured through the runtime");
}

TEST_CASE("reference: on random DAGs jointdnn equals brute force under its live-tensor model") {
  Draw d(1618);
  int upper_bound_violations = 0;
  constexpr int kInstances = 2000;
  for (int i = 0; i < kInstances; ++i) {
    const auto inst = random_dag(d, d.integer(1, 9));
    const auto view = inst->view();
    const auto layers = inst->graph.size() - 1;
    Seconds best = std::numeric_limits<double>::infinity();
    for (std::uint32_t mask = 0; mask < (1u << layers); ++mask)
      best = std::min(best, jointdnn_cost(view, placement_of(inst->graph, mask)));
    JointDnnScheduler scheduler;
    const auto plan = scheduler.plan(view);
    INFO("instance ", i, " (", inst->model.name(), ")");
    CHECK(close(scheduler.last_predicted_s(), best));
    CHECK_NOTHROW(validate(plan, inst->graph, "jointdnn"));
    const auto measured = run_plan(inst->graph, inst->costs, plan, inst->link).latency_s();
    upper_bound_violations += measured > best * (1 + 1e-9);
  }
  MESSAGE(kInstances, " DAGs; the measured latency exceeded the jointdnn prediction on ",
          upper_bound_violations);
}

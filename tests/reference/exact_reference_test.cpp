// The exact scheduler against two brute forces on random DAGs with server times, link latency,
// downloads and server pools:
//  - every static plan of tiny models (device set x compute order x server order x uplink order x
//    download order, as priority permutations), evaluated as the runtime would;
//  - every schedule the runtime can produce on small models (all choices at every moment a
//    resource could start one of several queued items), with no bound.
// Its plan always makes run_plan measure the latency it predicts.
#include <doctest/doctest.h>

#include <algorithm>
#include <limits>

#include "core/error.hpp"
#include "schedulers/exact/exact.hpp"
#include "schedulers/exact/plan_evaluator.hpp"
#include "tests/reference/reference_support.hpp"

using namespace tandem;
using namespace tandem::reference;

namespace {

constexpr Seconds kInf = std::numeric_limits<Seconds>::infinity();

// Every valid device set as a placement (the input on the device, closed under predecessors).
std::vector<std::vector<Side>> device_sets(const TaskGraph& graph) {
  const auto n = graph.size();
  std::vector<std::vector<Side>> out;
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (!(mask >> index_of(graph.input()) & 1u))
      continue;
    bool closed = true;
    for (const auto& task : graph.tasks())
      for (auto in : task.inputs)
        closed &= !(mask >> index_of(task.id) & 1u) || (mask >> index_of(in) & 1u);
    if (!closed)
      continue;
    std::vector<Side> placement(n);
    for (std::size_t i = 0; i < n; ++i)
      placement[i] = mask >> i & 1u ? Side::device : Side::server;
    out.push_back(std::move(placement));
  }
  return out;
}

// Calls f for every permutation of `items` (sorted first).
template <class F> void permutations(std::vector<std::uint32_t> items, F&& f) {
  std::sort(items.begin(), items.end());
  do
    f(items);
  while (std::next_permutation(items.begin(), items.end()));
}

struct Brute {
  Seconds best = kInf;
  std::size_t plans = 0;
};

Brute every_static_plan(const Instance& inst, const exact::Problem& problem) {
  const auto& graph = inst.graph;
  const auto n = graph.size();
  Brute out;
  for (const auto& placement : device_sets(graph)) {
    std::vector<std::uint32_t> device, server, up, down;
    for (std::uint32_t t = 0; t < n; ++t) {
      const auto& task = graph.task(task_id(t));
      if (placement[t] == Side::server) {
        server.push_back(t);
        if (task.is_output)
          down.push_back(t);
        continue;
      }
      if (!task.is_input)
        device.push_back(t);
      if (std::any_of(task.consumers.begin(), task.consumers.end(),
                      [&](TaskId c) { return placement[index_of(c)] == Side::server; }))
        up.push_back(t);
    }
    exact::Priorities pr;
    pr.compute.assign(n, 0);
    pr.transfer.assign(n, 0);
    permutations(device, [&](const std::vector<std::uint32_t>& dev) {
      for (std::size_t k = 0; k < dev.size(); ++k)
        pr.compute[dev[k]] = static_cast<int>(k);
      permutations(server, [&](const std::vector<std::uint32_t>& srv) {
        for (std::size_t k = 0; k < srv.size(); ++k)
          pr.compute[srv[k]] = static_cast<int>(k);
        permutations(up, [&](const std::vector<std::uint32_t>& u) {
          for (std::size_t k = 0; k < u.size(); ++k)
            pr.transfer[u[k]] = static_cast<int>(k);
          permutations(down, [&](const std::vector<std::uint32_t>& dn) {
            for (std::size_t k = 0; k < dn.size(); ++k)
              pr.transfer[dn[k]] = static_cast<int>(k);
            out.best = std::min(out.best, exact::evaluate(problem, placement, pr));
            ++out.plans;
          });
        });
      });
    });
  }
  return out;
}

void every_schedule(exact::Simulation& sim, Brute& out) {
  if (!sim.advance()) {
    out.best = std::min(out.best, sim.finish_s());
    ++out.plans;
    return;
  }
  for (auto c : sim.candidates()) {
    exact::Simulation child = sim;
    child.choose(c);
    every_schedule(child, out);
  }
}

Brute every_schedule(const Instance& inst, const exact::Problem& problem) {
  Brute out;
  for (const auto& placement : device_sets(inst.graph)) {
    exact::Simulation sim(problem, placement);
    every_schedule(sim, out);
  }
  return out;
}

struct Case {
  std::unique_ptr<Instance> inst;
  int workers = 1;
  SystemView view;
};

Case random_case(Draw& d, int layers) {
  Case c;
  c.inst = random_dag(d, layers);
  // Half the links fast enough that offloading usually pays.
  if (d.unit() < 0.5) {
    c.inst->link.uplink_bps = d.log_uniform(1e7, 1e10);
    c.inst->link.downlink_bps = d.log_uniform(1e7, 1e10);
  }
  c.workers = d.unit() < 0.7 ? 1 : 2;
  c.view = c.inst->view();
  c.view.server_workers = c.workers;
  return c;
}

} // namespace

TEST_CASE("reference: exact equals the best static plan on DAGs of up to 5 layers") {
  Draw d(314159);
  constexpr int kInstances = 1500;
  std::size_t plans = 0;
  int offloaded = 0;
  for (int i = 0; i < kInstances; ++i) {
    const auto c = random_case(d, d.integer(1, 5));
    const auto problem = exact::Problem::from_view(c.view);
    const auto brute = every_static_plan(*c.inst, problem);
    plans += brute.plans;
    const auto result = exact::solve_exact(c.view);
    INFO("instance ", i, " (", c.inst->model.name(), ", ", c.workers, " workers)");
    CHECK(close(result.latency_s, brute.best));
    CHECK_NOTHROW(validate(result.plan, c.inst->graph, "exact"));
    const auto measured =
        run_plan(c.inst->graph, c.inst->costs, result.plan, c.inst->link, c.workers).latency_s();
    CHECK(close(measured, result.latency_s));
    offloaded +=
        std::count(result.plan.placement.begin(), result.plan.placement.end(), Side::server) > 0;
  }
  MESSAGE(kInstances, " DAGs of 1-5 layers, ", plans, " static plans evaluated; ", offloaded,
          " optima offload something");
}

TEST_CASE("reference: exact equals every schedule the runtime can produce on DAGs of up to 6 "
          "layers") {
  Draw d(2718);
  constexpr int kInstances = 2000;
  std::size_t schedules = 0;
  for (int i = 0; i < kInstances; ++i) {
    const auto c = random_case(d, d.integer(1, 6));
    const auto problem = exact::Problem::from_view(c.view);
    const auto brute = every_schedule(*c.inst, problem);
    schedules += brute.plans;
    const auto result = exact::solve_exact(c.view);
    INFO("instance ", i, " (", c.inst->model.name(), ", ", c.workers, " workers)");
    CHECK(close(result.latency_s, brute.best));
    const auto measured =
        run_plan(c.inst->graph, c.inst->costs, result.plan, c.inst->link, c.workers).latency_s();
    CHECK(close(measured, result.latency_s));
  }
  MESSAGE(kInstances, " DAGs of 1-6 layers, ", schedules, " complete schedules enumerated");
}

TEST_CASE("reference: exact refuses models over its size limit") {
  Draw d(5);
  auto options = random_options(d, 15);
  Instance inst(synthetic::chain(options), random_link(d));
  CHECK_THROWS_AS(exact::solve_exact(inst.view()), InputError);
  try {
    exact::solve_exact(inst.view());
  } catch (const InputError& e) {
    CHECK(std::string(e.what()).find("at most 14 layers") != std::string::npos);
    CHECK(std::string(e.what()).find("15 layers") != std::string::npos);
  }
  CHECK_NOTHROW(exact::solve_exact(inst.view(), {15}));
}

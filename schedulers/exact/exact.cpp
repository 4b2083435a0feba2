#include "schedulers/exact/exact.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "core/error.hpp"
#include "schedulers/common/link_costs.hpp"
#include "schedulers/duan_wu/duan_topo.hpp"
#include "schedulers/exact/plan_evaluator.hpp"

namespace tandem::exact {
namespace {

struct DeviceSet {
  Seconds bound = 0;
  std::vector<Side> placement;
};

// Every device set holding the input and closed under predecessors, by include/exclude along the
// topological order.
// ASSUMPTION(exact): only such sets (issue 5's problem); the runtime would also run plans that
// bring intermediate tensors back from the server.
void enumerate_sets(const Problem& p, std::size_t i, std::vector<Side>& placement,
                    std::vector<DeviceSet>& out) {
  if (i == p.order.size()) {
    out.push_back({0, placement});
    return;
  }
  const auto t = p.order[i];
  if (t == p.input) {
    placement[t] = Side::device;
    enumerate_sets(p, i + 1, placement, out);
    return;
  }
  placement[t] = Side::server;
  enumerate_sets(p, i + 1, placement, out);
  const bool inputs_on_device =
      std::all_of(p.inputs[t].begin(), p.inputs[t].end(),
                  [&](std::uint32_t in) { return placement[in] == Side::device; });
  if (inputs_on_device) {
    placement[t] = Side::device;
    enumerate_sets(p, i + 1, placement, out);
    placement[t] = Side::server;
  }
}

struct Search {
  const Problem& problem;
  std::vector<std::uint32_t> position;
  Seconds best_s;
  Plan best_plan;
  std::uint64_t nodes = 0;

  // A branch that cannot improve on the incumbent by more than 1e-12 (relative) is dropped:
  // ties would otherwise be enumerated in full (every order of a device-only set, say).
  bool hopeless(Seconds bound) const { return bound >= best_s * (1 - 1e-12); }

  // Every schedule a plan can produce for this device set: at each moment a resource could start
  // one of several queued items, try each (the start orders are then the plan's priorities).
  void dfs(Simulation& sim) {
    ++nodes;
    if (!sim.advance()) {
      if (sim.finish_s() < best_s) {
        best_s = sim.finish_s();
        best_plan = sim.realized_plan();
      }
      return;
    }
    if (hopeless(sim.lower_bound()))
      return;
    auto candidates = sim.candidates();
    std::sort(candidates.begin(), candidates.end(),
              [&](std::uint32_t x, std::uint32_t y) { return position[x] < position[y]; });
    for (auto c : candidates) {
      Simulation child = sim;
      child.choose(c);
      dfs(child);
    }
  }
};

} // namespace

ExactResult solve_exact(const SystemView& view, const ExactOptions& options) {
  const auto& graph = *view.graph;
  const auto layers = static_cast<int>(graph.size()) - 1;
  if (layers > options.max_layers)
    throw InputError({graph.model().name()}, "layers",
                     fmt::format("at most {} layers besides the input for the exact scheduler "
                                 "(scheduler.options.max_layers; its search grows exponentially)",
                                 options.max_layers),
                     fmt::format("{} layers", layers));
  // An incumbent from duan-topo bounds the search from the start.
  const duan_wu::PlanningContext ctx(view);
  const auto start = duan_wu::duan_topo_schedule(ctx);
  ExactResult result;
  result.plan = start.plan;
  result.latency_s = start.predicted_s;
  if (!link_usable(view)) {
    result.plan.note = fmt::format("exact: link unusable, everything on the device (predicted "
                                   "{:.3f} ms)",
                                   s_to_ms(result.latency_s));
    return result;
  }
  const auto& p = ctx.problem();
  std::vector<DeviceSet> sets;
  std::vector<Side> placement(p.size(), Side::server);
  enumerate_sets(p, 0, placement, sets);
  result.device_sets = sets.size();
  for (auto& s : sets)
    s.bound = Simulation(p, s.placement).lower_bound();
  std::stable_sort(sets.begin(), sets.end(),
                   [](const DeviceSet& x, const DeviceSet& y) { return x.bound < y.bound; });

  Search search{p, std::vector<std::uint32_t>(p.size()), start.predicted_s, start.plan};
  for (std::size_t i = 0; i < p.order.size(); ++i)
    search.position[p.order[i]] = static_cast<std::uint32_t>(i);
  for (const auto& s : sets) {
    if (search.hopeless(s.bound))
      break; // sorted: every later set is bounded away too
    ++result.searched_sets;
    Simulation sim(p, s.placement);
    search.dfs(sim);
  }
  result.nodes = search.nodes;
  result.latency_s = search.best_s;
  result.plan = std::move(search.best_plan);
  std::size_t on_device = 0;
  for (auto side : result.plan.placement)
    on_device += side == Side::device;
  result.plan.note = fmt::format(
      "exact: {} of {} tasks on the device; {} device sets, {} searched, {} search nodes "
      "(predicted {:.3f} ms)",
      on_device, p.size(), result.device_sets, result.searched_sets, result.nodes,
      s_to_ms(result.latency_s));
  return result;
}

Plan ExactScheduler::plan(const SystemView& view) {
  return last_.get(view, [this](const SystemView& v) { return solve_exact(v, options_); }).plan;
}

} // namespace tandem::exact

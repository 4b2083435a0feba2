#include "schedulers/duan_wu/duan_tree.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "schedulers/common/link_costs.hpp"
#include "schedulers/duan_wu/duan_topo.hpp"

namespace tandem::duan_wu {
namespace {

// Merged sequence of the tasks in `on_device` (a subtree holding the input), with `jobs`.
std::vector<std::uint32_t> merged_sequence(const PlanningContext& ctx,
                                           const std::vector<bool>& on_device,
                                           const std::vector<Job>& jobs) {
  const auto& p = ctx.problem();
  std::vector<std::uint32_t> local(ctx.size(), ~0u), global;
  for (auto t : p.order)
    if (on_device[t]) {
      local[t] = static_cast<std::uint32_t>(global.size());
      global.push_back(t);
    }
  std::vector<Job> local_jobs(global.size());
  std::vector<std::int32_t> parent(global.size(), -1);
  std::vector<std::uint32_t> tie(global.size());
  for (std::size_t i = 0; i < global.size(); ++i) {
    local_jobs[i] = jobs[global[i]];
    tie[i] = static_cast<std::uint32_t>(i);
    if (!p.inputs[global[i]].empty())
      parent[i] = static_cast<std::int32_t>(local[p.inputs[global[i]].front()]);
  }
  auto seq = merge_out_forest(local_jobs, parent, tie);
  for (auto& s : seq)
    s = global[s];
  return seq;
}

struct TreeSearch {
  const PlanningContext& ctx;
  std::uint64_t budget;
  std::uint64_t work = 0;
  bool exhausted = false;
  std::vector<bool> on, decided;
  Candidate best;

  void consider(const std::vector<bool>& on_device) {
    auto c = duan_tree_order(ctx, on_device);
    if (c.latency_s < best.latency_s)
      best = std::move(c);
  }

  // The flow-shop optimum of what is decided so far: the device tasks decided, each a cut if a
  // decided consumer is on the server. Deciding more can only add jobs or upload times, and the
  // runtime's latency is at least the flow-shop makespan of its plan, so this bounds every
  // completion from below.
  Seconds bound() const {
    const auto& p = ctx.problem();
    std::vector<bool> part(ctx.size(), false);
    std::vector<Job> jobs(ctx.size());
    for (std::uint32_t t = 0; t < ctx.size(); ++t) {
      if (!decided[t] || !on[t])
        continue;
      part[t] = true;
      bool cut = false;
      for (auto c : p.consumers[t])
        cut |= decided[c] && !on[c];
      jobs[t] = {p.device_s[t], cut ? p.uplink_s[t] : 0.0};
    }
    const auto seq = merged_sequence(ctx, part, jobs);
    return makespan(jobs, seq);
  }

  void run(std::size_t i) {
    const auto& p = ctx.problem();
    // Tasks whose parent is on the server follow it there.
    std::vector<std::uint32_t> forced;
    for (; i < p.order.size(); ++i) {
      const auto v = p.order[i];
      if (v == p.input || on[p.inputs[v].front()])
        break;
      on[v] = false;
      decided[v] = true;
      forced.push_back(v);
    }
    auto undo = [&] {
      for (auto v : forced)
        decided[v] = false;
    };
    const bool leaf = i == p.order.size();
    if (!leaf && p.order[i] == p.input) {
      on[p.input] = decided[p.input] = true;
      run(i + 1);
      decided[p.input] = false;
      undo();
      return;
    }
    // Work: a bound (one merge) costs one unit per task, so does an exact evaluation.
    work += ctx.size() * (leaf ? 2 : 1);
    if (work > budget) {
      exhausted = true;
      undo();
      return;
    }
    if (bound() >= best.latency_s * (1 - 1e-12)) {
      undo();
      return;
    }
    if (leaf) {
      consider(on);
      undo();
      return;
    }
    const auto v = p.order[i];
    decided[v] = true;
    on[v] = true;
    run(i + 1);
    on[v] = false;
    if (!exhausted)
      run(i + 1);
    decided[v] = false;
    undo();
  }
};

} // namespace

bool is_out_tree(const exact::Problem& problem) {
  for (std::uint32_t t = 0; t < problem.size(); ++t)
    if (t != problem.input && problem.inputs[t].size() != 1)
      return false;
  return true;
}

Candidate duan_tree_order(const PlanningContext& ctx, const std::vector<bool>& on_device) {
  Candidate c;
  c.on_device = on_device;
  // Duan-Wu §2.3 (b): the merged sequence is the compute order; the uplink sends in that order.
  c.device_order = merged_sequence(ctx, on_device, ctx.jobs(on_device));
  ctx.evaluate(c);
  return c;
}

DuanResult duan_tree_schedule(const PlanningContext& ctx, const DuanTreeOptions& options) {
  const auto& p = ctx.problem();
  if (!is_out_tree(p) || !link_usable(ctx.view())) {
    // ASSUMPTION(duan-wu): outside out-trees the paper offers its topological-sort heuristic.
    auto r = duan_topo_schedule(ctx);
    r.fell_back = !is_out_tree(p);
    r.plan.note = fmt::format("duan-tree: {}{}",
                              r.fell_back ? "not an out-tree, fell back to " : "link unusable; ",
                              r.plan.note);
    return r;
  }
  TreeSearch search{ctx,
                    options.work_budget,
                    0,
                    false,
                    std::vector<bool>(ctx.size(), false),
                    std::vector<bool>(ctx.size(), false),
                    Candidate{}};
  // A first incumbent: device-only, server-only and the prefixes of the topological order.
  search.consider(ctx.device_only().on_device);
  {
    std::vector<bool> on(ctx.size(), false);
    on[p.input] = true;
    search.consider(on);
    for (auto t : p.order)
      if (t != p.input) {
        on[t] = true;
        search.consider(on);
      }
  }
  search.run(0);
  DuanResult r;
  r.plan = ctx.plan_of(search.best);
  r.predicted_s = search.best.latency_s;
  r.searched_all = !search.exhausted;
  r.evaluations = ctx.evaluations();
  r.plan.note = describe("duan-tree", ctx, search.best,
                         search.exhausted ? "search budget reached, best subtree found so far"
                                          : "every subtree searched (optimal if server time is 0)");
  return r;
}

DuanResult duan_tree_schedule(const SystemView& view, const DuanTreeOptions& options) {
  const PlanningContext ctx(view);
  return duan_tree_schedule(ctx, options);
}

} // namespace tandem::duan_wu

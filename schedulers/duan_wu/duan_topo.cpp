#include "schedulers/duan_wu/duan_topo.hpp"

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "schedulers/common/link_costs.hpp"

namespace tandem::duan_wu {
namespace {

// Composite-job merging on the device set, with the DAG thinned to an out-tree: each task keeps
// only its input computed last in the graph's topological order. The merged sequence may then
// break another input's precedence; list_order repairs it into a topological order.
// ASSUMPTION(duan-wu): the paper's topological-sort heuristic is not retrieved; this spanning-tree
// merge plus repair is our reconstruction (seeds.md §2.3 (c) suggests Johnson priorities of path
// composites over a topological order).
std::vector<std::uint32_t> merged_rank(const PlanningContext& ctx,
                                       const std::vector<bool>& on_device,
                                       const std::vector<Job>& jobs) {
  const auto& p = ctx.problem();
  const auto n = ctx.size();
  std::vector<std::uint32_t> local(n, ~0u), global;
  for (auto t : p.order)
    if (on_device[t]) {
      local[t] = static_cast<std::uint32_t>(global.size());
      global.push_back(t);
    }
  std::vector<Job> local_jobs(global.size());
  std::vector<std::int32_t> parent(global.size(), -1);
  std::vector<std::uint32_t> tie(global.size());
  for (std::size_t i = 0; i < global.size(); ++i) {
    const auto t = global[i];
    local_jobs[i] = jobs[t];
    tie[i] = static_cast<std::uint32_t>(i);
    std::uint32_t latest = ~0u;
    for (auto in : p.inputs[t])
      if (latest == ~0u || ctx.position(in) > ctx.position(latest))
        latest = in;
    if (latest != ~0u)
      parent[i] = static_cast<std::int32_t>(local[latest]);
  }
  const auto seq = merge_out_forest(local_jobs, parent, tie);
  std::vector<std::uint32_t> rank(n, static_cast<std::uint32_t>(n));
  for (std::size_t i = 0; i < seq.size(); ++i)
    rank[global[seq[i]]] = static_cast<std::uint32_t>(i);
  return rank;
}

std::vector<std::uint32_t> by_tail(const std::vector<std::uint32_t>& device_order,
                                   const std::vector<Seconds>& tail,
                                   const std::vector<bool>& cut) {
  std::vector<std::uint32_t> up;
  for (auto t : device_order)
    if (cut[t])
      up.push_back(t);
  std::stable_sort(up.begin(), up.end(),
                   [&](std::uint32_t x, std::uint32_t y) { return tail[x] > tail[y]; });
  return up;
}

} // namespace

Candidate duan_topo_order(const PlanningContext& ctx, const std::vector<bool>& on_device) {
  const auto& p = ctx.problem();
  const auto n = ctx.size();
  Candidate base;
  base.on_device = on_device;
  for (auto t : p.order)
    if (on_device[t])
      base.device_order.push_back(t);
  std::vector<bool> cut(n, false);
  bool any_cut = false;
  for (std::uint32_t t = 0; t < n; ++t) {
    cut[t] = ctx.is_cut(on_device, t);
    any_cut |= cut[t];
  }
  ctx.evaluate(base);
  if (!any_cut)
    return base; // device-only: every topological order computes the same sum
  Candidate best = base;
  auto consider = [&](Candidate c) {
    ctx.evaluate(c);
    if (c.latency_s < best.latency_s)
      best = std::move(c);
  };
  // Duan-Wu §2.3: Johnson priorities of (device time, upload time), merged as composites.
  const auto jobs = ctx.jobs(on_device);
  const auto tail = ctx.tails(on_device);
  Candidate johnson = base;
  johnson.device_order = ctx.list_order(on_device, merged_rank(ctx, on_device, jobs));
  // With server time: what follows an upload (latency, server path, download) counts as upload
  // time, as the CDS heuristic folds the later machines of a flow shop into the second one.
  // ASSUMPTION(duan-wu): "server time taken into account" is our extension; the paper's model has
  // none.
  auto long_jobs = jobs;
  for (std::uint32_t t = 0; t < n; ++t)
    if (cut[t])
      long_jobs[t].b += tail[t];
  Candidate tailed = base;
  tailed.device_order = ctx.list_order(on_device, merged_rank(ctx, on_device, long_jobs));
  // The uplink in compute order (FIFO) or longest remaining server path first.
  for (const auto* c : {&johnson, &tailed}) {
    consider(*c);
    Candidate critical = *c;
    critical.uplink_order = by_tail(c->device_order, tail, cut);
    consider(std::move(critical));
  }
  {
    Candidate critical = base;
    critical.uplink_order = by_tail(base.device_order, tail, cut);
    consider(std::move(critical));
  }
  return best;
}

DuanResult duan_topo_schedule(const PlanningContext& ctx, const DuanTopoOptions& options) {
  const auto& p = ctx.problem();
  const auto n = ctx.size();
  DuanResult result;
  const auto finish = [&](const Candidate& c, const std::string& detail) {
    result.plan = ctx.plan_of(c);
    result.predicted_s = c.latency_s;
    result.evaluations = ctx.evaluations();
    result.plan.note = describe("duan-topo", ctx, c, detail);
    return result;
  };
  if (!link_usable(ctx.view())) {
    // Nothing could come back from the server: everything stays on the device.
    auto c = ctx.device_only();
    ctx.evaluate(c);
    return finish(c, "link unusable");
  }
  const std::uint64_t budget =
      std::max<std::uint64_t>(options.min_evaluations, options.work_budget / std::max<std::size_t>(n, 1));
  std::set<std::vector<bool>> seen;
  Candidate best;
  auto try_set = [&](const std::vector<bool>& on_device) {
    if (!seen.insert(on_device).second)
      return false;
    auto c = duan_topo_order(ctx, on_device);
    if (c.latency_s < best.latency_s) {
      best = std::move(c);
      return true;
    }
    return false;
  };
  // Duan-Wu §2.3 (c): device sets are prefixes of topological orders: the graph's own, and the
  // one Johnson merging prefers when every layer could be a cut.
  auto prefixes = [&](const std::vector<std::uint32_t>& order) {
    std::vector<bool> on(n, false);
    on[p.input] = true;
    try_set(on);
    for (auto t : order) {
      if (t == p.input)
        continue;
      on[t] = true;
      try_set(on);
    }
  };
  prefixes(p.order);
  {
    const std::vector<bool> all(n, true);
    std::vector<Job> jobs(n);
    for (std::uint32_t t = 0; t < n; ++t)
      jobs[t] = {p.device_s[t], p.consumers[t].empty() ? 0.0 : p.uplink_s[t]};
    prefixes(ctx.list_order(all, merged_rank(ctx, all, jobs)));
  }
  // Local search: add a layer whose inputs are all on the device, or return one whose consumers
  // are all on the server, while the exact latency improves (first improvement, in topological
  // order).
  // ASSUMPTION(duan-wu): the local search is ours; the paper's heuristic is one pass.
  bool improved = true;
  bool exhausted = false;
  while (improved && !exhausted) {
    improved = false;
    for (auto v : p.order) {
      if (v == p.input)
        continue;
      if (ctx.evaluations() >= budget) {
        exhausted = true;
        break;
      }
      auto on = best.on_device;
      if (on[v]) {
        if (std::any_of(p.consumers[v].begin(), p.consumers[v].end(),
                        [&](std::uint32_t c) { return on[c]; }))
          continue;
        on[v] = false;
      } else {
        if (std::any_of(p.inputs[v].begin(), p.inputs[v].end(),
                        [&](std::uint32_t i) { return !on[i]; }))
          continue;
        on[v] = true;
      }
      improved |= try_set(on);
    }
  }
  result.searched_all = !exhausted;
  return finish(best, exhausted ? "local search stopped by its budget" : "");
}

DuanResult duan_topo_schedule(const SystemView& view, const DuanTopoOptions& options) {
  const PlanningContext ctx(view);
  return duan_topo_schedule(ctx, options);
}

Plan DuanTopoScheduler::plan(const SystemView& view) {
  last_ = duan_topo_schedule(view);
  return last_.plan;
}

} // namespace tandem::duan_wu

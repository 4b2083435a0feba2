#include "schedulers/duan_wu/duan_topo.hpp"

#include <algorithm>
#include <map>
#include <numeric>
#include <optional>
#include <set>

#include <fmt/format.h>

#include "schedulers/common/link_costs.hpp"

namespace tandem::duan_wu {
namespace {

std::vector<std::uint32_t> by_tail(const std::vector<std::uint32_t>& device_order,
                                   const std::vector<Seconds>& tail, const std::vector<bool>& cut) {
  std::vector<std::uint32_t> up;
  for (auto t : device_order)
    if (cut[t])
      up.push_back(t);
  std::stable_sort(up.begin(), up.end(),
                   [&](std::uint32_t x, std::uint32_t y) { return tail[x] > tail[y]; });
  return up;
}

// The device tasks of `on_device` by critical path: list scheduling, highest bottom level first.
// A device task's bottom level is the longest way from its start to the end of the inference: its
// compute, then either a device consumer's bottom level or (a cut) its upload and `cut_tail` (the
// latency, the longest server path and the download after it).
// ASSUMPTION(duan-wu): this critical-path order is ours (classic list scheduling), for DAGs whose
// server side or downloads dominate, where the flow-shop orders are blind to what follows.
std::vector<std::uint32_t> critical_path_order(const PlanningContext& ctx,
                                               const std::vector<bool>& on_device,
                                               const std::vector<Seconds>& cut_tail) {
  const auto& p = ctx.problem();
  const auto n = ctx.size();
  std::vector<Seconds> level(n, 0);
  for (auto it = p.order.rbegin(); it != p.order.rend(); ++it) {
    const auto t = *it;
    if (!on_device[t])
      continue;
    Seconds after = ctx.is_cut(on_device, t) ? p.uplink_s[t] + cut_tail[t] : 0.0;
    for (auto c : p.consumers[t])
      if (on_device[c])
        after = std::max(after, level[c]);
    level[t] = p.device_s[t] + after;
  }
  std::vector<std::uint32_t> ids;
  for (auto t : p.order)
    if (on_device[t])
      ids.push_back(t);
  std::stable_sort(ids.begin(), ids.end(),
                   [&](std::uint32_t x, std::uint32_t y) { return level[x] > level[y]; });
  std::vector<std::uint32_t> rank(n, static_cast<std::uint32_t>(n));
  for (std::size_t i = 0; i < ids.size(); ++i)
    rank[ids[i]] = static_cast<std::uint32_t>(i);
  return ctx.list_order(on_device, rank);
}

// A topological order of the whole graph, lowest key first among ready tasks.
std::vector<std::uint32_t> keyed_order(const PlanningContext& ctx, const std::vector<double>& key) {
  const auto n = ctx.size();
  std::vector<std::uint32_t> ids(n);
  std::iota(ids.begin(), ids.end(), 0u);
  std::stable_sort(ids.begin(), ids.end(), [&](std::uint32_t x, std::uint32_t y) {
    return key[x] != key[y] ? key[x] < key[y] : ctx.position(x) < ctx.position(y);
  });
  std::vector<std::uint32_t> rank(n);
  for (std::uint32_t i = 0; i < n; ++i)
    rank[ids[i]] = i;
  return ctx.list_order(std::vector<bool>(n, true), rank);
}

// `on` with v and everything it needs added (v off), or v and everything needing it removed.
std::vector<bool> toggled(const exact::Problem& p, std::vector<bool> on, std::uint32_t v) {
  const bool add = !on[v];
  std::vector<std::uint32_t> stack{v};
  on[v] = add;
  while (!stack.empty()) {
    const auto t = stack.back();
    stack.pop_back();
    for (auto u : add ? p.inputs[t] : p.consumers[t])
      if (on[u] != add) {
        on[u] = add;
        stack.push_back(u);
      }
  }
  return on;
}

// `on` with v and everything needing it returned to the server, then every device layer left
// feeding only the server (an ancestor of v, not the input) returned too: the layers that only
// existed to feed v follow it.
std::vector<bool> returned_with_feeders(const exact::Problem& p, const std::vector<bool>& on,
                                        std::uint32_t v) {
  auto out = toggled(p, on, v);
  std::vector<std::uint32_t> stack(p.inputs[v].begin(), p.inputs[v].end());
  while (!stack.empty()) {
    const auto t = stack.back();
    stack.pop_back();
    if (!out[t] || t == p.input ||
        std::any_of(p.consumers[t].begin(), p.consumers[t].end(),
                    [&](std::uint32_t c) { return out[c]; }))
      continue;
    out[t] = false;
    stack.insert(stack.end(), p.inputs[t].begin(), p.inputs[t].end());
  }
  return out;
}

// Every device set holding the input and closed under inputs (include/exclude along the
// topological order), or nothing when there are more than `cap`.
std::optional<std::vector<std::vector<bool>>> all_device_sets(const exact::Problem& p,
                                                              std::uint64_t cap) {
  std::vector<std::vector<bool>> out;
  std::vector<bool> on(p.size(), false);
  bool over = false;
  auto walk = [&](auto&& self, std::size_t i) -> void {
    if (over)
      return;
    if (i == p.order.size()) {
      if (out.size() >= cap)
        over = true;
      else
        out.push_back(on);
      return;
    }
    const auto t = p.order[i];
    const bool can = std::all_of(p.inputs[t].begin(), p.inputs[t].end(),
                                 [&](std::uint32_t in) { return on[in]; });
    if (t == p.input || can) {
      on[t] = true;
      self(self, i + 1);
      on[t] = false;
    }
    if (t != p.input)
      self(self, i + 1);
  };
  walk(walk, 0);
  if (over)
    return std::nullopt;
  return out;
}

// Moves one item of a sequence to another place, earlier or later (in the compute order only
// where precedence allows): in the compute order, the uplink order or the server order. The first
// move of an item that lowers the exact latency is kept; when a pass finds none, the first exchange
// of two items that does. Runs until neither finds anything or the evaluation budget is spent.
// ASSUMPTION(duan-wu): this polishing is ours (the merge is only optimal on trees).
void polish(const PlanningContext& ctx, Candidate& c, std::uint64_t budget) {
  const auto& p = ctx.problem();
  if (c.uplink_order.empty())
    for (auto t : c.device_order)
      if (ctx.is_cut(c.on_device, t))
        c.uplink_order.push_back(t);
  if (c.server_order.empty())
    c.server_order = ctx.server_johnson_order(c.on_device);
  auto reads = [&](std::uint32_t consumer, std::uint32_t producer) {
    return std::find(p.inputs[consumer].begin(), p.inputs[consumer].end(), producer) !=
           p.inputs[consumer].end();
  };
  for (bool improved = true; improved;) {
    improved = false;
    for (auto* seq : {&c.device_order, &c.uplink_order, &c.server_order}) {
      auto& s = *seq;
      const bool device = seq == &c.device_order;
      for (std::size_t i = 0; i < s.size(); ++i) {
        if (device && s[i] == p.input)
          continue;
        // Slide s[i] one place at a time, so each try is one swap away from the last: down
        // first, then up.
        const Seconds before = c.latency_s;
        const auto keep = s;
        bool moved = false;
        for (int direction : {-1, 1}) {
          for (std::size_t j = i;;) {
            // Swap positions lo and lo + 1, where the item is at j.
            std::size_t lo;
            if (direction < 0) {
              if (j == 0)
                break;
              lo = j - 1;
              if (device && (s[lo] == p.input || reads(s[j], s[lo])))
                break;
            } else {
              if (j + 1 >= s.size())
                break;
              lo = j;
              if (device && reads(s[j + 1], s[j]))
                break;
            }
            if (ctx.evaluations() >= budget) {
              s = keep;
              c.latency_s = before;
              return;
            }
            std::swap(s[lo], s[lo + 1]);
            j = direction < 0 ? lo : lo + 1;
            if (ctx.evaluate(c) < before * (1 - 1e-12)) {
              moved = true;
              break;
            }
          }
          if (moved)
            break;
          s = keep;
        }
        if (moved) {
          improved = true;
        } else {
          s = keep;
          c.latency_s = before;
        }
      }
    }
    if (improved)
      continue;
    // No single move helps: exchange two items (two moves at once), first improvement.
    for (auto* seq : {&c.device_order, &c.uplink_order, &c.server_order}) {
      auto& s = *seq;
      const bool device = seq == &c.device_order;
      for (std::size_t i = 0; i < s.size() && !improved; ++i)
        for (std::size_t j = i + 1; j < s.size() && !improved; ++j) {
          if (device) {
            // s[j] moves to i and s[i] to j: neither may pass something it reads or feeds.
            bool ok = s[i] != p.input;
            for (std::size_t k = i; k < j && ok; ++k)
              ok = !reads(s[j], s[k]) && !reads(s[k + 1], s[i]);
            if (!ok)
              continue;
          }
          if (ctx.evaluations() >= budget)
            return;
          const Seconds before = c.latency_s;
          std::swap(s[i], s[j]);
          if (ctx.evaluate(c) < before * (1 - 1e-12)) {
            improved = true;
          } else {
            std::swap(s[i], s[j]);
            c.latency_s = before;
          }
        }
    }
  }
}

} // namespace

Candidate duan_topo_order(const PlanningContext& ctx, const std::vector<bool>& on_device,
                          bool thorough) {
  const auto& p = ctx.problem();
  const auto n = ctx.size();
  Candidate base;
  base.on_device = on_device;
  for (auto t : p.order)
    if (on_device[t])
      base.device_order.push_back(t);
  base.server_order = ctx.server_johnson_order(on_device); // once for every variant
  std::vector<bool> cut(n, false);
  bool any_cut = false;
  for (std::uint32_t t = 0; t < n; ++t) {
    cut[t] = ctx.is_cut(on_device, t);
    any_cut |= cut[t];
  }
  if (!any_cut) {
    ctx.evaluate(base);
    return base; // device-only: every topological order computes the same sum
  }
  // Duan-Wu §2.3: Johnson priorities of (device time, upload time), merged as composites.
  const auto jobs = ctx.jobs(on_device);
  std::vector<Seconds> server_tail;
  const auto tail = ctx.tails(on_device, &server_tail);
  Candidate johnson = base;
  johnson.device_order = ctx.merged_order(on_device, jobs);
  // With server time: what follows an upload (latency, server path, download) counts as upload
  // time, as the CDS heuristic folds the later machines of a flow shop into the second one.
  // ASSUMPTION(duan-wu): "server time taken into account" is our extension; the paper's model has
  // none.
  auto long_jobs = jobs;
  for (std::uint32_t t = 0; t < n; ++t)
    if (cut[t])
      long_jobs[t].b += tail[t];
  Candidate tailed = base;
  tailed.device_order = ctx.merged_order(on_device, long_jobs);

  Candidate critical = base;
  critical.device_order = critical_path_order(ctx, on_device, tail);

  Candidate best;
  auto consider = [&](Candidate c) {
    ctx.evaluate(c);
    if (c.latency_s < best.latency_s)
      best = std::move(c);
  };
  consider(johnson);
  consider(tailed);
  consider(critical);
  if (!thorough)
    return best;
  consider(base);
  // The uplink in compute order (FIFO) or longest remaining server path first; the server side
  // by its own Johnson merge or longest path first.
  const auto server_by_tail = ctx.server_tail_order(on_device);
  for (const auto* c : {&johnson, &tailed, &base, &critical})
    for (int variant = 1; variant < 4; ++variant) {
      Candidate v = *c;
      if (variant & 1)
        v.uplink_order = by_tail(c->device_order, tail, cut);
      if (variant & 2)
        v.server_order = server_by_tail;
      consider(std::move(v));
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
      ctx.evaluations() +
      std::max<std::uint64_t>(options.min_evaluations,
                              options.work_budget / std::max<std::size_t>(n, 1));
  // Screening: device sets that are prefixes of topological orders (Duan-Wu §2.3 (c)), each
  // sequenced by the Johnson merge only: the graph's order, the order Johnson merging prefers
  // when every layer could be a cut, cheapest device layers first, smallest tensors first.
  // ASSUMPTION(duan-wu): which topological orders the paper cuts is not retrieved; these four
  // are ours.
  struct Scored {
    Seconds latency_s;
    std::vector<bool> on_device;
  };
  std::vector<Scored> screened;
  std::set<std::vector<bool>> seen;
  auto screen = [&](const std::vector<std::uint32_t>& order) {
    std::vector<bool> on(n, false);
    on[p.input] = true;
    auto add = [&] {
      if (!seen.insert(on).second)
        return;
      Candidate c;
      c.on_device = on;
      c.device_order = ctx.merged_order(on, ctx.jobs(on));
      c.server_order = ctx.server_johnson_order(on);
      screened.push_back({ctx.evaluate(c), on});
    };
    add();
    for (auto t : order)
      if (t != p.input) {
        on[t] = true;
        add();
      }
  };
  // The graph's own order always (Neurosurgeon's candidates); the others within the budget.
  screen(p.order);
  if (ctx.evaluations() < budget) {
    std::vector<Job> jobs(n);
    for (std::uint32_t t = 0; t < n; ++t)
      jobs[t] = {p.device_s[t], p.consumers[t].empty() ? 0.0 : p.uplink_s[t]};
    screen(ctx.merged_order(std::vector<bool>(n, true), jobs));
  }
  if (ctx.evaluations() < budget)
    screen(keyed_order(ctx, p.device_s));
  if (ctx.evaluations() < budget)
    screen(keyed_order(ctx, p.uplink_s));
  std::stable_sort(screened.begin(), screened.end(),
                   [](const Scored& x, const Scored& y) { return x.latency_s < y.latency_s; });

  std::map<std::vector<bool>, Candidate> scored;
  bool exhausted = false;
  auto score = [&](const std::vector<bool>& on) -> const Candidate* {
    if (!on[p.input])
      return nullptr;
    auto it = scored.find(on);
    if (it != scored.end())
      return &it->second;
    if (ctx.evaluations() >= budget) {
      exhausted = true;
      return nullptr;
    }
    return &scored.emplace(on, duan_topo_order(ctx, on, false)).first->second;
  };
  // The best screened set stands even if the budget allows no local search at all.
  Candidate best = duan_topo_order(ctx, screened.front().on_device, false);

  // A small space of device sets (a few layers, or a chain) is scored in full: at most
  // max_enumerated_sets of them and at most one per 8 evaluations left (a set costs 3), so
  // polishing keeps most of the budget.
  // ASSUMPTION(duan-wu): the exhaustive case is ours; it makes small models depend on the
  // sequencing alone.
  bool enumerated = false;
  if (const auto left = budget - std::min(budget, ctx.evaluations()); left >= 8) {
    if (const auto sets =
            all_device_sets(p, std::min<std::uint64_t>(options.max_enumerated_sets, left / 8))) {
      for (const auto& on : *sets)
        if (const auto* c = score(on); c && c->latency_s < best.latency_s)
          best = *c;
      enumerated = !exhausted;
    }
  }

  // Otherwise a local search from the best few: add a layer with everything it needs, return one
  // to the server with everything that needs it (and with the layers left feeding only the
  // server), or stop sending a tensor by adding all its consumers (the best such move); when none
  // improves, a return and an add at once (the first that improves). Device sets already scored
  // are not scored again.
  // ASSUMPTION(duan-wu): the local search is ours; the paper's heuristic is one pass.
  // Starts: the four best screened sets, then server-only and device-only (the two ends).
  std::vector<std::vector<bool>> starts;
  if (!enumerated) {
    for (std::size_t s = 0; s < std::min<std::size_t>(4, screened.size()); ++s)
      starts.push_back(screened[s].on_device);
    starts.push_back(ctx.server_only().on_device);
    starts.push_back(ctx.device_only().on_device);
  }
  std::set<std::vector<bool>> started;
  for (const auto& start : starts) {
    if (exhausted)
      break;
    if (!started.insert(start).second)
      continue;
    const auto* start_c = score(start);
    if (!start_c)
      break;
    auto current = *start_c;
    auto better = [&](const Candidate* c) {
      return c && c->latency_s < current.latency_s * (1 - 1e-12);
    };
    for (bool improved = true; improved && !exhausted;) {
      improved = false;
      const Candidate* step = nullptr;
      auto consider = [&](const std::vector<bool>& on) {
        const auto* c = score(on);
        if (better(c) && (!step || c->latency_s < step->latency_s))
          step = c;
      };
      for (auto v : p.order) {
        if (v != p.input) {
          consider(toggled(p, current.on_device, v));
          if (!exhausted && current.on_device[v])
            consider(returned_with_feeders(p, current.on_device, v));
        }
        // Stop sending v: every consumer of v joins the device with what it needs.
        if (!exhausted && ctx.is_cut(current.on_device, v)) {
          auto on = current.on_device;
          for (auto c : p.consumers[v])
            if (!on[c])
              on = toggled(p, on, c);
          consider(on);
        }
        if (exhausted)
          break;
      }
      if (step) {
        current = *step;
        improved = true;
        continue;
      }
      if (exhausted)
        break;
      for (auto v : p.order) {
        if (v == p.input || !current.on_device[v])
          continue;
        const auto without = toggled(p, current.on_device, v);
        for (auto w : p.order) {
          if (without[w] || (w == v))
            continue;
          if (const auto* c = score(toggled(p, without, w)); better(c)) {
            current = *c;
            improved = true;
            break;
          }
          if (exhausted)
            break;
        }
        if (improved || exhausted)
          break;
      }
    }
    if (current.latency_s < best.latency_s)
      best = std::move(current);
  }

  // Polishing the best few device sets, best first, each until it stops improving or the budget
  // is spent (so on large models only the best set is polished, whose order variants always run):
  // every order variant, then moves and exchanges in the three sequences.
  std::vector<const std::vector<bool>*> finalists{&best.on_device};
  {
    std::vector<const Candidate*> ranked;
    for (const auto& [on, c] : scored)
      if (on != best.on_device)
        ranked.push_back(&c);
    std::stable_sort(ranked.begin(), ranked.end(), [](const Candidate* x, const Candidate* y) {
      return x->latency_s < y->latency_s;
    });
    for (std::size_t k = 0; k < ranked.size() && finalists.size() < options.polished_sets; ++k)
      finalists.push_back(&ranked[k]->on_device);
  }
  Candidate winner = best;
  for (std::size_t k = 0; k < finalists.size(); ++k) {
    if (k > 0 && ctx.evaluations() >= budget)
      break;
    auto c = duan_topo_order(ctx, *finalists[k], true);
    polish(ctx, c, budget);
    if (c.latency_s < winner.latency_s)
      winner = std::move(c);
  }
  result.searched_all = !exhausted;
  return finish(winner, exhausted ? "local search stopped by its budget" : "");
}

DuanResult duan_topo_schedule(const SystemView& view, const DuanTopoOptions& options) {
  const PlanningContext ctx(view);
  return duan_topo_schedule(ctx, options);
}

} // namespace tandem::duan_wu

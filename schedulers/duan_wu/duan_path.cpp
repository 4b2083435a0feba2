#include "schedulers/duan_wu/duan_path.hpp"

#include <algorithm>
#include <numeric>

#include <fmt/format.h>

#include "schedulers/common/link_costs.hpp"
#include "schedulers/duan_wu/duan_topo.hpp"

namespace tandem::duan_wu {
namespace {

// One way to cut a group: `count` layers on the device (a path's prefix, or the tail prefix after
// the join), as the composite job (a, b).
struct Option {
  Seconds a = 0, b = 0;
  std::uint32_t count = 0;
  bool needs_input = false; // the whole path on the server: the input is uploaded
};

// A path, or (join on the device) every path feeding the join plus the join and a tail prefix.
struct Group {
  bool is_join = false;
  std::uint32_t path = 0;
  std::vector<Option> options;
};

// Keeps the options no other option beats on both machines (the flow-shop makespan never
// decreases when a job's a or b grows). Under the paper's model only these can be optimal.
// ASSUMPTION(duan-wu): with server times the pruning is kept, as the paper's model has none.
std::vector<Option> pareto(std::vector<Option> options) {
  std::vector<Option> keep, rest;
  for (const auto& o : options)
    (o.needs_input ? keep : rest).push_back(o);
  std::stable_sort(rest.begin(), rest.end(), [](const Option& x, const Option& y) {
    return x.a != y.a ? x.a < y.a : x.b < y.b;
  });
  Seconds best_b = std::numeric_limits<Seconds>::infinity();
  for (const auto& o : rest)
    if (o.b < best_b) {
      keep.push_back(o);
      best_b = o.b;
    }
  return keep;
}

struct PathSearch {
  const PlanningContext& ctx;
  const PathStructure& s;
  std::uint64_t budget;
  std::vector<Group> groups;
  std::vector<std::size_t> choice;
  Candidate best;
  std::uint64_t work = 0;
  bool exhausted = false;

  Job input_job(std::size_t depth) const {
    bool needed = false;
    for (std::size_t g = 0; g < depth; ++g)
      needed |= groups[g].options[choice[g]].needs_input;
    return {0.0, needed ? ctx.problem().uplink_s[ctx.input()] : 0.0};
  }

  // Duan-Wu §2.3 (a): the input first, then the composites in Johnson's order, each path's
  // prefix contiguous.
  Candidate build() const {
    const auto& p = ctx.problem();
    Candidate c;
    c.on_device.assign(ctx.size(), false);
    c.on_device[p.input] = true;
    std::vector<Job> jobs;
    for (std::size_t g = 0; g < groups.size(); ++g) {
      const auto& o = groups[g].options[choice[g]];
      jobs.push_back({o.a, o.b});
    }
    c.device_order.push_back(p.input);
    for (auto g : johnson_order(jobs)) {
      const auto& group = groups[g];
      const auto& o = group.options[choice[g]];
      auto take = [&](std::uint32_t t) {
        c.on_device[t] = true;
        c.device_order.push_back(t);
      };
      if (!group.is_join) {
        for (std::uint32_t l = 0; l < o.count; ++l)
          take(s.paths[group.path][l]);
        continue;
      }
      for (std::size_t i = 0; i < s.paths.size(); ++i)
        if (s.feeds_join[i])
          for (auto t : s.paths[i])
            take(t);
      take(*s.join);
      for (std::uint32_t l = 0; l < o.count; ++l)
        take(s.tail[l]);
    }
    return c;
  }

  // The flow-shop optimum of the groups chosen so far (Johnson): more groups only add jobs.
  Seconds bound(std::size_t depth) const {
    std::vector<Job> jobs{input_job(depth)};
    for (std::size_t g = 0; g < depth; ++g) {
      const auto& o = groups[g].options[choice[g]];
      jobs.push_back({o.a, o.b});
    }
    return makespan(jobs, johnson_order(jobs));
  }

  void run(std::size_t depth) {
    // Work: a bound costs one unit per group, an exact evaluation one per task.
    work += groups.size();
    if (work > budget) {
      exhausted = true;
      return;
    }
    if (depth > 0 && bound(depth) >= best.latency_s * (1 - 1e-12))
      return;
    if (depth == groups.size()) {
      work += ctx.size();
      auto c = build();
      ctx.evaluate(c);
      if (c.latency_s < best.latency_s)
        best = std::move(c);
      return;
    }
    for (std::size_t k = 0; k < groups[depth].options.size() && !exhausted; ++k) {
      choice[depth] = k;
      run(depth + 1);
    }
  }

  // Every device set with the join on the server (or no join), or on the device.
  void search(bool join_on_device) {
    const auto& p = ctx.problem();
    groups.clear();
    for (std::uint32_t i = 0; i < s.paths.size(); ++i) {
      if (join_on_device && s.feeds_join[i])
        continue;
      Group g;
      g.path = i;
      std::vector<Option> options{{0.0, 0.0, 0, true}};
      Seconds a = 0;
      const auto& path = s.paths[i];
      for (std::uint32_t l = 0; l < path.size(); ++l) {
        a += p.device_s[path[l]];
        // The prefix's last output goes up when its successor (or the join) is on the server.
        const bool sent = l + 1 < path.size() || s.feeds_join[i];
        options.push_back({a, sent ? p.uplink_s[path[l]] : 0.0, l + 1, false});
      }
      g.options = pareto(std::move(options));
      groups.push_back(std::move(g));
    }
    if (join_on_device) {
      Group g;
      g.is_join = true;
      Seconds a = 0;
      for (std::size_t i = 0; i < s.paths.size(); ++i)
        if (s.feeds_join[i])
          for (auto t : s.paths[i])
            a += p.device_s[t];
      a += p.device_s[*s.join];
      std::vector<Option> options;
      for (std::uint32_t q = 0; q <= s.tail.size(); ++q) {
        if (q > 0)
          a += p.device_s[s.tail[q - 1]];
        const auto last = q == 0 ? *s.join : s.tail[q - 1];
        options.push_back({a, q < s.tail.size() ? p.uplink_s[last] : 0.0, q, false});
      }
      g.options = pareto(std::move(options));
      groups.push_back(std::move(g));
    }
    // Biggest groups first: their choice moves the bound most.
    std::stable_sort(groups.begin(), groups.end(), [](const Group& x, const Group& y) {
      return x.options.back().a > y.options.back().a;
    });
    choice.assign(groups.size(), 0);
    run(0);
  }
};

} // namespace

std::optional<PathStructure> path_structure(const exact::Problem& p) {
  PathStructure s;
  std::size_t covered = 1; // the input
  for (auto first : p.consumers[p.input]) {
    std::vector<std::uint32_t> path;
    auto t = first;
    bool to_join = false;
    for (;;) {
      if (p.inputs[t].size() != 1)
        return std::nullopt; // reads something else too: a join, handled below
      path.push_back(t);
      if (p.consumers[t].empty())
        break;
      if (p.consumers[t].size() > 1)
        return std::nullopt; // a fork inside a path: a tree, not paths
      const auto next = p.consumers[t].front();
      if (p.inputs[next].size() > 1) {
        if (s.join && *s.join != next)
          return std::nullopt;
        s.join = next;
        to_join = true;
        break;
      }
      t = next;
    }
    covered += path.size();
    s.paths.push_back(std::move(path));
    s.feeds_join.push_back(to_join);
  }
  if (s.join) {
    // The join reads path ends only (each once per path).
    for (auto in : p.inputs[*s.join]) {
      bool end = false;
      for (std::size_t i = 0; i < s.paths.size(); ++i)
        end |= s.feeds_join[i] && s.paths[i].back() == in;
      if (!end)
        return std::nullopt;
    }
    ++covered;
    auto t = *s.join;
    while (!p.consumers[t].empty()) {
      if (p.consumers[t].size() > 1)
        return std::nullopt;
      t = p.consumers[t].front();
      if (p.inputs[t].size() != 1)
        return std::nullopt;
      s.tail.push_back(t);
      ++covered;
    }
  }
  if (covered != p.size() || s.paths.empty())
    return std::nullopt;
  return s;
}

DuanResult duan_path_schedule(const PlanningContext& ctx, const DuanPathOptions& options) {
  const auto structure = path_structure(ctx.problem());
  if (!structure || !link_usable(ctx.view())) {
    // ASSUMPTION(duan-wu): outside independent paths the paper offers its topological-sort
    // heuristic.
    auto r = duan_topo_schedule(ctx);
    r.fell_back = !structure;
    r.plan.note = fmt::format(
        "duan-path: {}{}", r.fell_back ? "not independent paths, fell back to " : "link unusable; ",
        r.plan.note);
    return r;
  }
  PathSearch search{ctx, *structure, options.work_budget, {}, {}, Candidate{}};
  auto device_only = ctx.device_only();
  ctx.evaluate(device_only);
  search.best = device_only;
  auto server_only = ctx.server_only();
  if (ctx.evaluate(server_only) < search.best.latency_s)
    search.best = server_only;
  search.search(false);
  if (structure->join && !search.exhausted)
    search.search(true);
  DuanResult r;
  r.plan = ctx.plan_of(search.best);
  r.predicted_s = search.best.latency_s;
  r.searched_all = !search.exhausted;
  r.evaluations = ctx.evaluations();
  r.plan.note = describe(
      "duan-path", ctx, search.best,
      fmt::format("{} path{}{}; {}", structure->paths.size(),
                  structure->paths.size() == 1 ? "" : "s", structure->join ? " and a join" : "",
                  search.exhausted ? "search budget reached, best cuts found so far"
                                   : "every cut searched (optimal if server time is 0)"));
  return r;
}

DuanResult duan_path_schedule(const SystemView& view, const DuanPathOptions& options) {
  const PlanningContext ctx(view);
  return duan_path_schedule(ctx, options);
}

} // namespace tandem::duan_wu

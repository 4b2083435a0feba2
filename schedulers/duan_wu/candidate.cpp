#include "schedulers/duan_wu/candidate.hpp"

#include <algorithm>
#include <functional>
#include <numeric>
#include <queue>

#include <fmt/format.h>

#include "core/error.hpp"

namespace tandem::duan_wu {
namespace {

// Placement and order keys of a candidate (shared by plan_of and evaluate).
struct Keys {
  std::vector<Side> placement;
  exact::Priorities priorities;
};

} // namespace

PlanningContext::PlanningContext(const SystemView& view)
    : view_(view), problem_(exact::Problem::from_view(view)) {}

bool PlanningContext::is_cut(const std::vector<bool>& on_device, std::uint32_t t) const {
  if (!on_device[t])
    return false;
  return std::any_of(problem_.consumers[t].begin(), problem_.consumers[t].end(),
                     [&](std::uint32_t c) { return !on_device[c]; });
}

std::vector<Job> PlanningContext::jobs(const std::vector<bool>& on_device) const {
  std::vector<Job> out(size());
  for (std::uint32_t t = 0; t < size(); ++t)
    out[t] = {problem_.device_s[t], is_cut(on_device, t) ? problem_.uplink_s[t] : 0.0};
  return out;
}

std::vector<Seconds> PlanningContext::tails(const std::vector<bool>& on_device,
                                            std::vector<Seconds>* server_tail) const {
  const auto& p = problem_;
  std::vector<Seconds> server(size(), 0), cut(size(), 0);
  for (auto it = p.order.rbegin(); it != p.order.rend(); ++it) {
    const auto t = *it;
    if (on_device[t]) {
      if (!is_cut(on_device, t))
        continue;
      Seconds longest = 0;
      for (auto c : p.consumers[t])
        if (!on_device[c])
          longest = std::max(longest, server[c]);
      cut[t] = p.latency_s + longest;
      continue;
    }
    Seconds after = p.is_output[t] ? p.latency_s + p.downlink_s[t] : 0.0;
    for (auto c : p.consumers[t])
      if (!on_device[c])
        after = std::max(after, server[c]);
    server[t] = p.server_s[t] + after;
  }
  if (server_tail)
    *server_tail = std::move(server);
  return cut;
}

std::vector<std::uint32_t>
PlanningContext::list_order(const std::vector<bool>& subset,
                            const std::vector<std::uint32_t>& rank) const {
  const auto& p = problem_;
  std::vector<std::uint32_t> missing(size(), 0);
  using Item = std::pair<std::uint32_t, std::uint32_t>; // (rank, task)
  std::priority_queue<Item, std::vector<Item>, std::greater<>> ready;
  for (std::uint32_t t = 0; t < size(); ++t) {
    if (!subset[t])
      continue;
    for (auto in : p.inputs[t])
      missing[t] += subset[in];
    if (missing[t] == 0)
      ready.push({rank[t], t});
  }
  std::vector<std::uint32_t> order;
  while (!ready.empty()) {
    const auto t = ready.top().second;
    ready.pop();
    order.push_back(t);
    for (auto c : p.consumers[t])
      if (subset[c] && --missing[c] == 0)
        ready.push({rank[c], c});
  }
  return order;
}

std::vector<std::uint32_t> PlanningContext::merged_order(const std::vector<bool>& subset,
                                                         const std::vector<Job>& jobs) const {
  const auto& p = problem_;
  const auto n = size();
  std::vector<std::uint32_t> local(n, ~0u), global;
  for (auto t : p.order)
    if (subset[t]) {
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
      if (subset[in] && (latest == ~0u || position(in) > position(latest)))
        latest = in;
    if (latest != ~0u)
      parent[i] = static_cast<std::int32_t>(local[latest]);
  }
  const auto seq = merge_out_forest(local_jobs, parent, tie);
  std::vector<std::uint32_t> rank(n, static_cast<std::uint32_t>(n));
  for (std::size_t i = 0; i < seq.size(); ++i)
    rank[global[seq[i]]] = static_cast<std::uint32_t>(i);
  return list_order(subset, rank);
}

std::vector<std::uint32_t>
PlanningContext::server_johnson_order(const std::vector<bool>& on_device) const {
  const auto& p = problem_;
  std::vector<bool> server(size());
  std::vector<Job> jobs(size());
  for (std::uint32_t t = 0; t < size(); ++t) {
    server[t] = !on_device[t];
    jobs[t] = {p.server_s[t], p.is_output[t] ? p.downlink_s[t] : 0.0};
  }
  return merged_order(server, jobs);
}

std::vector<std::uint32_t>
PlanningContext::server_tail_order(const std::vector<bool>& on_device) const {
  std::vector<Seconds> tail;
  tails(on_device, &tail);
  std::vector<std::uint32_t> order;
  for (auto t : problem_.order)
    if (!on_device[t])
      order.push_back(t);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t x, std::uint32_t y) { return tail[x] > tail[y]; });
  return order;
}

namespace {

Keys keys_of(const PlanningContext& ctx, const Candidate& c) {
  const auto n = ctx.size();
  const auto& p = ctx.problem();
  Keys k;
  k.placement.resize(n);
  for (std::size_t t = 0; t < n; ++t)
    k.placement[t] = c.on_device[t] ? Side::device : Side::server;
  auto& compute = k.priorities.compute;
  auto& transfer = k.priorities.transfer;
  compute.assign(n, 0);
  transfer.assign(n, 0);
  const int big = static_cast<int>(n);
  for (std::size_t i = 0; i < c.device_order.size(); ++i)
    compute[c.device_order[i]] = static_cast<int>(i);
  // ASSUMPTION(duan-wu): the paper sequences only the device. The server side is sequenced the
  // same way, as a flow shop of server compute then download (it only breaks ties: the server
  // queue is FIFO by readiness), and outputs come back in that order.
  const auto server_tasks =
      c.server_order.empty() ? ctx.server_johnson_order(c.on_device) : c.server_order;
  for (std::size_t i = 0; i < server_tasks.size(); ++i) {
    compute[server_tasks[i]] = big + static_cast<int>(i);
    transfer[server_tasks[i]] = big + static_cast<int>(i);
  }
  const auto& up = c.uplink_order.empty() ? c.device_order : c.uplink_order;
  for (std::uint32_t t = 0; t < n; ++t)
    if (c.on_device[t])
      transfer[t] = 2 * big + static_cast<int>(p.order.size()); // not listed: after the others
  for (std::size_t i = 0; i < up.size(); ++i)
    transfer[up[i]] = static_cast<int>(i);
  return k;
}

} // namespace

Plan PlanningContext::plan_of(const Candidate& c) const {
  auto k = keys_of(*this, c);
  Plan plan;
  plan.placement = std::move(k.placement);
  plan.priority = std::move(k.priorities.compute);
  plan.transfer_priority = std::move(k.priorities.transfer);
  return plan;
}

Seconds PlanningContext::evaluate(Candidate& c) const {
  const auto k = keys_of(*this, c);
  ++evaluations_;
  c.latency_s = exact::evaluate(problem_, k.placement, k.priorities);
  return c.latency_s;
}

Candidate PlanningContext::device_only() const {
  Candidate c;
  c.on_device.assign(size(), true);
  c.device_order = problem_.order;
  return c;
}

Candidate PlanningContext::server_only() const {
  Candidate c;
  c.on_device.assign(size(), false);
  c.on_device[input()] = true;
  c.device_order = {input()};
  return c;
}

std::string describe(const std::string& name, const PlanningContext& ctx, const Candidate& c,
                     const std::string& detail) {
  std::size_t device = 0, cuts = 0;
  for (std::uint32_t t = 0; t < ctx.size(); ++t) {
    device += c.on_device[t];
    cuts += ctx.is_cut(c.on_device, t);
  }
  return fmt::format("{}: {} of {} tasks on the device, {} tensor{} up{}{} (predicted {:.3f} ms)",
                     name, device, ctx.size(), cuts, cuts == 1 ? "" : "s",
                     detail.empty() ? "" : "; ", detail, s_to_ms(c.latency_s));
}

} // namespace tandem::duan_wu

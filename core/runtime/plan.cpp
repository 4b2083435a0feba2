#include "core/runtime/plan.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace tandem {

Plan Plan::all_on(Side side, const TaskGraph& graph) {
  Plan p;
  p.placement.assign(graph.size(), side);
  p.placement[index_of(graph.input())] = Side::device;
  return p;
}

int Plan::priority_of(TaskId t, const TaskGraph& graph) const {
  return priority.empty() ? static_cast<int>(graph.position(t)) : priority[index_of(t)];
}

int Plan::transfer_priority_of(TaskId t, const TaskGraph& graph) const {
  return transfer_priority.empty() ? priority_of(t, graph) : transfer_priority[index_of(t)];
}

Precision Plan::precision_of(TaskId t, Side destination) const {
  const auto& v = destination == Side::server ? uplink_precision : downlink_precision;
  return v.empty() ? Precision::fp32() : v[index_of(t)];
}

void validate(const Plan& plan, const TaskGraph& graph, std::string_view scheduler) {
  const auto n = graph.size();
  const auto& input_name = graph.model().layer(graph.task(graph.input()).layer).name;
  auto check_size = [&](std::size_t size, bool may_be_empty, std::string_view what) {
    if (size == n || (may_be_empty && size == 0))
      return;
    throw PlanError(std::string(scheduler), input_name,
                    fmt::format("{} has {} entries, expected {} (one per task){}", what, size, n,
                                may_be_empty ? " or none" : ""));
  };
  check_size(plan.placement.size(), false, "placement");
  check_size(plan.priority.size(), true, "priority");
  check_size(plan.uplink_precision.size(), true, "uplink_precision");
  check_size(plan.downlink_precision.size(), true, "downlink_precision");
  check_size(plan.transfer_priority.size(), true, "transfer_priority");
  if (plan.side_of(graph.input()) != Side::device)
    throw PlanError(std::string(scheduler), input_name,
                    "the model input lives on the device, but the plan places it on the server");
}

std::vector<TaskId> tasks_on(const Plan& plan, const TaskGraph& graph, Side side) {
  std::vector<TaskId> out;
  for (auto t : graph.topological_order())
    if (plan.side_of(t) == side)
      out.push_back(t);
  return out;
}

} // namespace tandem

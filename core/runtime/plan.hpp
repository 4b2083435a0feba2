#pragma once
// A plan: a scheduler's decisions for one inference, as intents the runtime validates before
// anything runs (style.md habit 3). Where each task runs, the order among ready tasks on a
// resource, and the precision each tensor travels at. Transfers are not listed: they follow from
// placement (a tensor goes over the link once per direction when a consumer runs on the other side,
// and every model output computed on the server comes back), so a plan cannot forget one or send
// one twice.
#include <string>
#include <string_view>
#include <vector>

#include "core/precision.hpp"
#include "core/runtime/task_graph.hpp"
#include "core/side.hpp"

namespace tandem {

struct Plan {
  // Per task (index = TaskId): where it runs. The input task must be on the device.
  std::vector<Side> placement;
  // Per task: among tasks ready on the same resource, lower runs first. Empty: topological
  // position.
  std::vector<int> priority;
  // Per task: precision of its output when sent device -> server / server -> device. Empty: fp32.
  std::vector<Precision> uplink_precision;
  std::vector<Precision> downlink_precision;
  // Per task: order of its output among this inference's transfers on a link. Empty: `priority`.
  std::vector<int> transfer_priority;
  // Free text for the records ("split after conv4"); not interpreted.
  std::string note;

  static Plan all_on(Side side, const TaskGraph& graph); // the input stays on the device
  Side side_of(TaskId t) const { return placement.at(index_of(t)); }
  // Empty priority vectors mean the task's position in the graph's topological order.
  int priority_of(TaskId t, const TaskGraph& graph) const;
  int transfer_priority_of(TaskId t, const TaskGraph& graph) const;
  Precision precision_of(TaskId t, Side destination) const;
};

// Throws PlanError naming the scheduler and the first offending task's layer: wrong vector sizes,
// the input off the device, a precision of a lossy format on a tensor nobody may quantize (none
// yet).
void validate(const Plan& plan, const TaskGraph& graph, std::string_view scheduler);

// Tasks placed on `side`, in topological order (for records and `tandem plan`).
std::vector<TaskId> tasks_on(const Plan& plan, const TaskGraph& graph, Side side);

} // namespace tandem

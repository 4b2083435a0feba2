#include "core/runtime/system_view.hpp"

namespace tandem {

Seconds SystemView::task_time(TaskId t, Side side) const {
  const auto& task = graph->task(t);
  if (task.is_input)
    return 0;
  return costs->time(task.layer, side) / task.tiles;
}

Seconds SystemView::uplink_time(TaskId t, Precision p) const {
  return link_latency_s + static_cast<double>(graph->output_bytes(t, p)) / uplink_estimate_bps;
}

Seconds SystemView::downlink_time(TaskId t, Precision p) const {
  return link_latency_s + static_cast<double>(graph->output_bytes(t, p)) / downlink_estimate_bps;
}

} // namespace tandem

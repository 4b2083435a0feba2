#include "core/runtime/system_view.hpp"

#include <limits>

namespace tandem {

Seconds SystemView::task_time(TaskId t, Side side) const {
  const auto& task = graph->task(t);
  if (task.is_input)
    return 0;
  return costs->time(task.layer, side) / task.tiles;
}

Seconds SystemView::serialization_s(Bytes bytes, Direction d) const {
  if (bytes == 0)
    return 0;
  const auto bps = d == Direction::uplink ? uplink_estimate_bps : downlink_estimate_bps;
  // An estimate of zero (or garbage) means the link is unusable: the transfer never ends.
  return bps > 0 ? static_cast<double>(bytes) / bps : std::numeric_limits<double>::infinity();
}

Seconds SystemView::uplink_time(TaskId t, Precision p) const {
  return link_latency_s + serialization_s(graph->output_bytes(t, p), Direction::uplink);
}

Seconds SystemView::downlink_time(TaskId t, Precision p) const {
  return link_latency_s + serialization_s(graph->output_bytes(t, p), Direction::downlink);
}

} // namespace tandem

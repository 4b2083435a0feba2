#include "schedulers/common/link_costs.hpp"

#include <algorithm>
#include <cmath>

namespace tandem {

bool link_usable(const SystemView& view) {
  auto ok = [](BytesPerSecond bps) { return std::isfinite(bps) && bps > 0; };
  return ok(view.uplink_estimate_bps) && ok(view.downlink_estimate_bps) &&
         std::isfinite(view.link_latency_s) && view.link_latency_s >= 0;
}

Seconds serialization_s(Bytes bytes, BytesPerSecond bps) {
  if (!std::isfinite(bps) || bps <= 0)
    return kNever;
  return static_cast<double>(bytes) / bps;
}

std::vector<std::size_t> last_use_positions(const TaskGraph& graph) {
  std::vector<std::size_t> last(graph.size());
  for (const auto& task : graph.tasks()) {
    auto& l = last[index_of(task.id)];
    l = graph.position(task.id);
    for (auto c : task.consumers)
      l = std::max(l, graph.position(c));
  }
  return last;
}

} // namespace tandem

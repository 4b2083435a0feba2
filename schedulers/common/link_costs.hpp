#pragma once
// Link arithmetic shared by the split-point schedulers (Neurosurgeon, DADS, JointDNN). They all
// plan with the SystemView's bandwidth *estimates*, never the true link.
#include <limits>
#include <vector>

#include "core/runtime/system_view.hpp"

namespace tandem {

inline constexpr Seconds kNever = std::numeric_limits<Seconds>::infinity();

// True when both estimates can carry a tensor: positive and finite. A scheduler facing an unusable
// estimate keeps everything on the device, since nothing could come back from the server.
bool link_usable(const SystemView& view);

// Time the link is held by `bytes` at `bps` (serialization only, latency excluded); kNever when the
// rate is not usable.
Seconds serialization_s(Bytes bytes, BytesPerSecond bps);

// For every task, the largest topological position (TaskGraph::position) among its consumers, or
// its own position when it has none (a model output). A tensor is "live" across the boundary after
// position p when it was produced at or before p and is read after p.
std::vector<std::size_t> last_use_positions(const TaskGraph& graph);

} // namespace tandem

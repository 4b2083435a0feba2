#pragma once
// The bandwidth each device sees, built from [link]: a trace file when one is given, the constant
// rate otherwise. Both backends replay exactly these traces.
#include <vector>

#include "core/config/experiment_config.hpp"
#include "traces/bandwidth_trace.hpp"

namespace tandem {

struct LinkTraces {
  std::vector<BandwidthTrace> uplink;   // one per device, or one when the uplink is shared
  std::vector<BandwidthTrace> downlink; // one per device
};

// Every device replays the same trace (from the same offset): the experiment's link conditions.
LinkTraces build_link_traces(const ExperimentConfig& config);

} // namespace tandem

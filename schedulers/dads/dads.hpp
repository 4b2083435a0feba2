#pragma once
// DADS (Hu, Bao, Wang, Liu, INFOCOM 2019), light-load mode (DSL): the device/server partition of a
// DAG that minimises an additive latency model, found as a minimum s-t cut (DADS, DSL). The
// heavy-load mode (DSH, throughput) is not implemented. NOTES.md states the model and assumptions.
#include <vector>

#include "core/runtime/scheduler.hpp"

namespace tandem {

// DADS's additive objective for a device set D (index = TaskId; the input in D, D closed under
// predecessors, so nothing but model outputs comes back from the server), S = the other tasks:
//   T(D) = sum_{v in D} t_dev(v) + sum_{v in S} t_srv(v)
//        + sum_{u in D with a consumer in S} (L + bytes(u) / B_up)     (each tensor sent once)
//        + sum_{o model output in S}          (L + bytes(o) / B_down)
// with L the one-way latency and B_up, B_down the bandwidth estimates. Throws Error when D is not
// such a set.
Seconds dads_objective(const SystemView& view, const std::vector<bool>& on_device);

struct DadsPartition {
  std::vector<bool> on_device; // index = TaskId
  Seconds objective_s = 0;     // dads_objective(view, on_device)
};

// The device set minimising dads_objective, by Boykov-Kolmogorov max-flow on DADS's cut graph
// (among equally good sets, the largest).
// With an unusable bandwidth estimate (zero, negative, not finite): everything on the device.
DadsPartition dads_min_cut(const SystemView& view);

class DadsScheduler : public Scheduler {
public:
  Plan plan(const SystemView& view) override;
  Seconds last_predicted_s() const { return last_predicted_s_; }

private:
  Seconds last_predicted_s_ = 0;
};

} // namespace tandem

#pragma once
// Neurosurgeon (Kang et al., ASPLOS 2017): one split point. The first k tasks of the topological
// order run on the device, the rest on the server; k is chosen by predicted end-to-end latency from
// the cost table and the bandwidth estimate. See NOTES.md for the exact model and assumptions.
#include <vector>

#include "core/runtime/scheduler.hpp"

namespace tandem {

// Predicted latency of every split. Entry k is the split that runs the first k tasks of
// graph.topological_order() on the device (k = size(): device-only); entries with k at or before
// the model input's position cannot keep the input on the device and hold infinity. With
//   D = order[0, k), S = order[k, n), L = one-way latency, B_up, B_down = the estimates,
//   prediction(k) = sum_{v in D} t_dev(v)
//                 + [S non-empty] * ( sum_{u in D, some consumer in S} bytes(u) / B_up + L
//                                   + sum_{v in S} t_srv(v)
//                                   + sum_{o output in S} bytes(o) / B_down + L ).
// On a chain this is exactly what the runtime measures for that split.
std::vector<Seconds> neurosurgeon_predictions(const SystemView& view);

// The plan of split k (see above).
Plan neurosurgeon_split_plan(const TaskGraph& graph, std::size_t k);

class NeurosurgeonScheduler : public Scheduler {
public:
  Plan plan(const SystemView& view) override;
  // The prediction behind the last plan (for tests and notes).
  Seconds last_predicted_s() const { return last_predicted_s_; }

private:
  Seconds last_predicted_s_ = 0;
};

} // namespace tandem

#pragma once
// JointDNN (Eshratifar, Abrishami, Pedram, IEEE TMC): per-layer placement with any number of
// device <-> server switches, found as a shortest path through a graph with one node per (layer,
// side) (JointDNN, latency goal). Chains are the paper's case; on other DAGs the path runs over
// the topological order and a switch moves every live tensor (see NOTES.md).
#include <vector>

#include "core/runtime/scheduler.hpp"

namespace tandem {

// JointDNN's additive cost of a placement (index = TaskId; the input on the device). With
// v_0..v_{n-1} the topological order, L the one-way latency, B(a->b) the uplink or downlink
// estimate and live(p) the tensors produced at positions <= p and read at a position > p:
//   C = sum_p t_{side(v_p)}(v_p)
//     + sum_{p : side(v_p) != side(v_{p+1})} ( L + sum_{u in live(p)} bytes(u) / B(side(v_p) ->
//     side(v_{p+1})) )
//     + sum_{o model output on the server} ( L + bytes(o) / B_down )
// On a chain live(p) = {v_p}, and C is exactly the latency the runtime measures. Throws Error on a
// placement of the wrong size or with the input on the server.
Seconds jointdnn_cost(const SystemView& view, const std::vector<Side>& placement);

struct JointDnnPath {
  std::vector<Side> placement; // index = TaskId
  Seconds cost_s = 0;          // the path length = jointdnn_cost(view, placement) up to rounding
};

// The placement minimising jointdnn_cost, by Dijkstra over the (position, side) graph. With an
// unusable bandwidth estimate: everything on the device.
JointDnnPath jointdnn_shortest_path(const SystemView& view);

class JointDnnScheduler : public Scheduler {
public:
  Plan plan(const SystemView& view) override;
  Seconds last_predicted_s() const { return last_predicted_s_; }

private:
  Seconds last_predicted_s_ = 0;
};

} // namespace tandem
